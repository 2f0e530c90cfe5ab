"""Starts moto's server for Crossrole's tests, demo and benchmarks: `python3 cli/bin/moto_server.py -H HOST -p PORT`.

The same server as `python3 -m moto.server`, with one change. moto keeps an IAM backend per account and partition, and
creates all of them the first time a request names an account (to find which account an access key belongs to). With
MOTO_IAM_LOAD_MANAGED_POLICIES=true each of those ten backends parses and builds every AWS managed policy (about 1,500):
about a second per new account. Here the policy data is parsed once per process and the managed policies are built
only for the `aws` partition, the one Crossrole's local runs use; the other partitions get none, as they would without
the variable.

And one addition, for tests: CreateAccount with the tag `crossrole-test:account-id` = a 12-digit ID creates the account
with that ID (AWS assigns IDs; a test's organization holds the accounts its sample events name). Without the tag, moto
assigns a random ID as before. Everything else is moto's own code.
"""
import json
import sys

from moto.iam import models
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.organizations import models as organizations
from moto.organizations import utils as organizations_utils

FIXED_ID_TAG = "crossrole-test:account-id"

_PARSED = None


def _init_aws_policies(self):
    global _PARSED
    if not models.load_iam_aws_managed_policies() or self.region_name != "aws":
        return []
    if _PARSED is None:
        _PARSED = json.loads(aws_managed_policies_data)
    return [models.AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
            for name, data in _PARSED.items()]


models.IAMBackend._init_aws_policies = _init_aws_policies

_create_account_init = organizations.FakeAccount.__init__
_random_account_id = organizations_utils.make_random_account_id


def _account_init(self, organization, **kwargs):
    wanted = next((t.get("Value") for t in kwargs.get("Tags", []) if t.get("Key") == FIXED_ID_TAG), None)
    if wanted is None or not (len(wanted) == 12 and wanted.isdigit()):
        _create_account_init(self, organization, **kwargs)
        return
    organizations_utils.make_random_account_id = lambda: wanted
    try:
        _create_account_init(self, organization, **kwargs)
    finally:
        organizations_utils.make_random_account_id = _random_account_id


organizations.FakeAccount.__init__ = _account_init

if __name__ == "__main__":
    from moto.server import main
    sys.exit(main(sys.argv[1:]))
