"""Starts moto's server for Crossrole's tests, demo and benchmarks: `python3 cli/bin/moto_server.py -H HOST -p PORT`.

The same server as `python3 -m moto.server`, with one change. moto keeps an IAM backend per account and partition, and
creates all of them the first time a request names an account (to find which account an access key belongs to). With
MOTO_IAM_LOAD_MANAGED_POLICIES=true each of those ten backends parses and builds every AWS managed policy (about 1,500):
about a second per new account. Here the policy data is parsed once per process and the managed policies are built
only for the `aws` partition, the one Crossrole's local runs use; the other partitions get none, as they would without
the variable. Everything else is moto's own code.
"""
import json
import sys

from moto.iam import models
from moto.iam.aws_managed_policies import aws_managed_policies_data

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

if __name__ == "__main__":
    from moto.server import main
    sys.exit(main(sys.argv[1:]))
