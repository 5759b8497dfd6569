"""What the parts of the OpenAPI description share (see the package's __init__.py): schema helpers,
the three error shapes, query parameters and operations."""
from __future__ import annotations

GRAPH = "/v1.0"
DATAVERSE = "/dataverse/{environment_id}/api/data/v9.2"
BAP = "/providers/Microsoft.BusinessAppPlatform"
GRAPH_TAG, DATAVERSE_TAG, BAP_TAG, TOKEN_TAG = "Microsoft Graph", "Dataverse", "Power Platform admin", "Tokens"


# --- small schema helpers ----------------------------------------------------------------------

def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def text(**extra) -> dict:
    return {"type": "string", **extra}


def nullable_text(**extra) -> dict:
    return {"type": "string", "nullable": True, **extra}


def guid(nullable: bool = False) -> dict:
    return {"type": "string", "format": "uuid", **({"nullable": True} if nullable else {})}


def boolean(nullable: bool = False) -> dict:
    return {"type": "boolean", **({"nullable": True} if nullable else {})}


def integer(nullable: bool = False, **extra) -> dict:
    return {"type": "integer", **({"nullable": True} if nullable else {}), **extra}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def obj(properties: dict, required=(), **extra) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def collection(item: str, *, count: bool = True) -> dict:
    """A page of a list: value, and the absolute @odata.nextLink while more rows remain."""
    properties = {"@odata.context": text(), "value": array(ref(item)), "@odata.nextLink": text(format="uri")}
    if count:
        properties["@odata.count"] = integer()
    return obj(properties, required=("value",))


# --- the error shapes --------------------------------------------------------------------------

def error_schemas() -> dict:
    graph_inner = obj({"date": text(), "request-id": text(), "client-request-id": text()})
    return {
        "GraphError": obj({"error": obj({"code": text(), "message": text(), "innerError": graph_inner},
                                        required=("code", "message"))}, required=("error",)),
        "DataverseError": obj({"error": obj({"code": text(), "message": text()}, required=("code", "message"))},
                              required=("error",)),
        "PowerPlatformError": obj({"error": obj({"code": text(), "message": text()}, required=("code", "message"))},
                                  required=("error",)),
    }


ERROR_OF = {GRAPH_TAG: "GraphError", DATAVERSE_TAG: "DataverseError", BAP_TAG: "PowerPlatformError"}
STATUS_TEXT = {400: "Bad request: a malformed value, an unknown property or a rule's refusal (the rule ID "
                    "starts the message)",
               401: "No bearer token, or an invalid or expired one",
               403: "The caller lacks the right (DIR-05 for Graph, a missing privilege for Dataverse)",
               404: "Not found", 405: "Method not allowed here", 409: "Conflict", 412: "Precondition failed"}



# --- parameters --------------------------------------------------------------------------------

def query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            **({"description": description} if description else {})}


def header(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "header", "required": False, "schema": schema,
            **({"description": description} if description else {})}


def path_param(name: str, schema: dict | None = None, description: str = "") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema or text(),
            **({"description": description} if description else {})}


GRAPH_LIST = [
    query("$select", text(), "Comma-separated properties (id is always answered)"),
    query("$filter", text(), "eq, ne, startswith, and, or, in"),
    query("$top", integer(minimum=1, maximum=999), "Page size (default 100, at most 999)"),
    query("$orderby", text()),
    query("$count", boolean(), "Needs ConsistencyLevel: eventual"),
    query("$search", text(), '"displayName:x" or "userPrincipalName:x"; needs ConsistencyLevel: eventual'),
    query("$skiptoken", text(), "Opaque; only as given in @odata.nextLink"),
    header("ConsistencyLevel", text(enum=["eventual"])),
]
GRAPH_PAGED = [p for p in GRAPH_LIST if p["name"] in ("$select", "$top", "$skiptoken")]
GRAPH_SELECT = [GRAPH_LIST[0]]
DATAVERSE_LIST = [
    query("$select", text()), query("$filter", text(), "eq ne gt ge lt le and or not contains startswith endswith"),
    query("$orderby", text()), query("$top", integer(minimum=1), "Total rows answered over all pages"),
    query("$count", boolean()), query("$expand", text(), "systemuserroles_association, "
                                      "teammembership_association, businessunitid (nested $select)"),
    query("$skiptoken", text(), "Opaque; only as given in @odata.nextLink"),
    header("Prefer", text(), "odata.maxpagesize=N (default 5000); return=representation on create"),
]
DATAVERSE_ONE = [query("$select", text()), query("$expand", text())]
ENVIRONMENT = path_param("environment_id", guid(), "The environment's id: its org URL is /dataverse/{environment_id}")
API_VERSION = query("api-version", text(), "e.g. 2020-10-01 (accepted, not required)")


# --- operations --------------------------------------------------------------------------------

def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def operation(tag: str, summary: str, *, ok: dict, parameters=(), body: str | None = None,
              errors=(400, 401, 403, 404), operation_id: str) -> dict:
    """One operation: `ok` maps its success status to a schema name (None: no body)."""
    responses = {}
    for status, schema in ok.items():
        if schema is None:
            responses[str(status)] = {"description": "Done (no body)"}
        elif schema == "xml":
            responses[str(status)] = {"description": "CSDL", "content": {"application/xml": {"schema": text()}}}
        else:
            responses[str(status)] = {"description": "OK", "content": json_content(ref(schema))}
    for status in errors:
        responses[str(status)] = {"description": STATUS_TEXT[status], "content": json_content(ref(ERROR_OF[tag]))}
    op = {"tags": [tag], "summary": summary, "operationId": operation_id, "responses": responses}
    if parameters:
        op["parameters"] = list(parameters)
    if body:
        op["requestBody"] = {"required": True, "content": json_content(ref(body))}
    return op


