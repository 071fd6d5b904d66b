# Test cases for releasegate.python.injection.eval-exec-non-literal
import ast
import json

from flask import Flask, request

app = Flask(__name__)


@app.route("/calc")
def calc():
    expr = request.args.get("expr", "0")
    # ruleid: releasegate.python.injection.eval-exec-non-literal
    result = eval(expr)
    # ok: releasegate.python.injection.eval-exec-non-literal
    result = ast.literal_eval(expr)
    return str(result)


def load_config(text: str) -> dict[str, object]:
    # ruleid: releasegate.python.injection.eval-exec-non-literal
    exec(text, {"__builtins__": {}})
    # ok: releasegate.python.injection.eval-exec-non-literal
    return dict(json.loads(text))


def plugin(name: str) -> None:
    # ruleid: releasegate.python.injection.eval-exec-non-literal
    exec(f"import plugins.{name} as p; p.register()")
    # ok: releasegate.python.injection.eval-exec-non-literal
    exec("import plugins.core as p; p.register()")


def sizes() -> int:
    # ok: releasegate.python.injection.eval-exec-non-literal
    return int(eval("2 ** 10"))


class Model:
    def eval(self) -> "Model":
        return self


def inference(model: Model) -> Model:
    # ok: releasegate.python.injection.eval-exec-non-literal
    return model.eval()
