# Drives Castellan's SCIM endpoint of one org with Python's scim2-client (a real SCIM client library that discovers the
# server from its ServiceProviderConfig, ResourceTypes and Schemas and validates every response against them).
# Run by test/scim/scim2-client.test.ts: argv = base URL, bearer token, project id, role; prints one JSON report.
import json
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import BulkOperation, BulkRequest, PatchOp, PatchOperation, SearchRequest

base_url, token, project_id, role = sys.argv[1:5]
GRANTS = "urn:ietf:params:scim:schemas:extension:zitadel:2.0:User"
report = {}

http = Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"})
scim = SyncSCIMClient(http)
scim.discover()
User = scim.get_resource_model("User")
report["resourceTypes"] = sorted(resource_type.id for resource_type in scim.provider.resource_types)
report["bulkMaxOperations"] = scim.provider.config.bulk.max_operations

jane = scim.create(
    User.model_validate(
        {
            "userName": "jane.doe",
            "externalId": "directory-jane",
            "name": {"givenName": "Jane", "familyName": "Doe"},
            "emails": [{"value": "jane.doe@example.org", "primary": True}],
            "password": "Scim-Passw0rd!",
            "active": True,
        }
    )
)
report["created"] = {"id": jane.id, "userName": jane.user_name, "version": jane.meta.version}


def count(filter_text):
    found = scim.query(User, query_parameters=SearchRequest(filter=filter_text, sort_by="userName"))
    return found.total_results


report["filters"] = {
    text: count(text)
    for text in [
        'userName eq "jane.doe"',
        'externalId eq "directory-jane"',
        'emails co "example.org" and active eq true',
        'name.familyName sw "do" or userName eq "nobody"',
        'userName eq "nobody"',
    ]
}
searched = scim.search(User, SearchRequest(filter='userName sw "jane"', count=10))
report["searched"] = searched.total_results

patched = scim.modify(
    User,
    jane.id,
    PatchOp[User](
        operations=[
            PatchOperation(op="add", path=f"{GRANTS}:grants", value=[{"projectId": project_id, "roles": [role]}]),
            PatchOperation(op="replace", path="displayName", value="Jane D."),
        ]
    ),
)
patched_dump = patched.model_dump(mode="json")
report["patched"] = {"grants": patched_dump.get(GRANTS, {}).get("grants"), "displayName": patched.display_name}

bulk = scim.bulk(
    BulkRequest[User](
        operations=[
            BulkOperation[User](
                method="POST",
                path="/Users",
                bulk_id="bob",
                data=User.model_validate(
                    {
                        "userName": "bob.bulk",
                        "name": {"givenName": "Bob", "familyName": "Bulk"},
                        "emails": [{"value": "bob.bulk@example.org", "primary": True}],
                    }
                ),
            ),
            BulkOperation[User](
                method="PATCH",
                path="/Users/bulkId:bob",
                data=PatchOp[User](operations=[PatchOperation(op="replace", path="active", value=False)]),
            ),
        ]
    )
)
report["bulk"] = [{"method": op.method, "status": op.status, "location": op.location} for op in bulk.operations]
bob_id = bulk.operations[0].location.rsplit("/", 1)[-1]
report["bobActive"] = scim.query(User, bob_id).active
scim.delete(User, bob_id)
report["bobAfterDelete"] = count('userName eq "bob.bulk"')

print(json.dumps(report))
