"""Issue 11, point 3: tables that pair a name with its values are read as claims."""

import derive
from derive.verify import Checker, verify_text

TABLE = """Summary:

| **Parameter** | **Old Value** | **Gradient** | **New Value** |
| --- | --- | --- | --- |
| w₅ | 0.4 | 0.082167041 | 0.35891648 |
| $w_6$ | 0.45 | 0.0823 | 0.408666186 |
"""


def report(text):
    return verify_text(Checker(derive.derive(derive.load("mazur"))), text, "post.md")


def test_each_cell_of_a_name_row_is_a_claim_at_the_rows_line():
    found = [(c.line, c.text, c.verdict) for c in report(TABLE).claims]
    assert found == [(5, "w_{5} = 0.4", "ok"), (5, r"\frac{\partial L}{\partial w_{5}} = 0.082167041", "ok"),
                     (5, "{w_{5}}^{+} = 0.35891648", "ok"),
                     (6, "w_6 = 0.45", "ok"), (6, r"\frac{\partial L}{\partial w_6} = 0.0823", "wrong"),
                     (6, "{w_6}^{+} = 0.408666186", "ok")]


def test_a_table_of_anything_else_stays_silent():
    text = ("| name | age |\n|---|---|\n| Bob | 42 |\n\n| step | loss |\n|---|---|\n| 1 | 0.3 |\n\n"
            "| unit | colour |\n|---|---|\n| w5 | red |\n")
    assert report(text).claims == ()
