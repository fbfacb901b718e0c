import sys

try:
    from .cli import run
except KeyboardInterrupt:             # Ctrl-C in the first instant, before the command line is up
    sys.stderr.write("derive: interrupted\n")
    raise SystemExit(130) from None

run()
