# Test cases for releasegate.python.xml.lxml-unsafe-parser
from lxml import etree

# ruleid: releasegate.python.xml.lxml-unsafe-parser
LOOSE = etree.XMLParser()
# ruleid: releasegate.python.xml.lxml-unsafe-parser
RESOLVING = etree.XMLParser(resolve_entities=True, no_network=False)
# ok: releasegate.python.xml.lxml-unsafe-parser
SAFE = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def parse_upload(data: bytes) -> str:
    # ruleid: releasegate.python.xml.lxml-unsafe-parser
    root = etree.fromstring(data)
    # ok: releasegate.python.xml.lxml-unsafe-parser
    root = etree.fromstring(data, SAFE)
    return str(root.tag)


def parse_file(path: str) -> str:
    # ruleid: releasegate.python.xml.lxml-unsafe-parser
    tree = etree.parse(path)
    # ok: releasegate.python.xml.lxml-unsafe-parser
    tree = etree.parse(path, parser=SAFE)
    return str(tree.getroot().tag)


def constant() -> str:
    # ok: releasegate.python.xml.lxml-unsafe-parser
    return str(etree.XML("<a>1</a>").tag)
