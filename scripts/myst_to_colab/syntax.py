"""The MyST and Markdown patterns that the Colab edition reads."""

import re

# {name}`content`: a role, such as {cite:p}`key` or {ref}`label`.
ROLE = re.compile(r"\{([a-z][a-z0-9:_-]*)\}`([^`]+)`")
# "Exercise {ref}`label`", "Figure {numref}`label`": the word, then a number the role gives.
NUMBERED = re.compile(r"\b((?:[Ee]xercise|[Ff]igure|[Ff]ig\.)s?)\s+\{(?:ref|numref)\}`([^`<>]+)`")
# (label)= on a line of its own: a target for the heading or paragraph that follows.
TARGET = re.compile(r"^\(([A-Za-z0-9_.:-]+)\)=\s*$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# A directive opens with three or more backticks or colons and a {name}, then arguments.
DIRECTIVE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,})\{(?P<name>[a-z][a-z0-9:_-]*)\}\s*(?P<argument>.*)$")
OPTION = re.compile(r"^\s*:([a-z][a-z0-9_-]*):\s*(.*)$")
SOLUTION_START = re.compile(r"^\s*`{3,}\{solution-start\}\s*(\S+)")
SOLUTION_END = re.compile(r"^\s*`{3,}\{solution-end\}")
# "text <target>" inside a role: the text the reader sees, then what it points to.
TITLED = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>\s*$", re.DOTALL)
# Relative images, in Markdown and in HTML.
IMAGE = re.compile(r"(!\[[^\]]*\]\()(?!https?:|data:)([^)\s]+)(\))")
HTML_IMAGE = re.compile(r"(<img\b[^>]*\bsrc=[\"'])(?!https?:|data:)([^\"']+)([\"'])")
