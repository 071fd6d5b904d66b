# Test cases for releasegate.python.xss.jinja2-autoescape-disabled
import jinja2
from jinja2 import Environment, FileSystemLoader, select_autoescape

# ruleid: releasegate.python.xss.jinja2-autoescape-disabled
env = Environment(loader=FileSystemLoader("templates"))

# ruleid: releasegate.python.xss.jinja2-autoescape-disabled
raw_env = jinja2.Environment(loader=FileSystemLoader("templates"), autoescape=False)

# ok: releasegate.python.xss.jinja2-autoescape-disabled
safe_env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape())

# ok: releasegate.python.xss.jinja2-autoescape-disabled
strict_env = jinja2.Environment(loader=FileSystemLoader("templates"), autoescape=True)

# ruleid: releasegate.python.xss.jinja2-autoescape-disabled
tmpl = jinja2.Template("<p>{{ name }}</p>", autoescape=False)

# ok: releasegate.python.xss.jinja2-autoescape-disabled
tmpl_safe = jinja2.Template("<p>{{ name }}</p>", autoescape=True)

# ruleid: releasegate.python.xss.jinja2-autoescape-disabled
safe_env.autoescape = False

# ok: releasegate.python.xss.jinja2-autoescape-disabled
safe_env.autoescape = select_autoescape(["html", "xml"])
