-- derive's Markdown as Beamer slides: a derivation's sections are long, so every slide may break into
-- continuation frames, and the headings below the slides are bold lines (a block cannot break).
function Header(header)
  if header.level <= 3 then
    header.classes:insert("allowframebreaks")
    return header
  end
  return pandoc.Para({pandoc.Strong(header.content)})
end
