"""Starts moto's server for Crossrole's tests, demo and benchmarks: `python3 cli/bin/moto_server.py -H HOST -p PORT`.

The same server as `python3 -m moto.server`, with one change. moto keeps an IAM backend per account and partition, and
creates all of them the first time a request names an account (to find which account an access key belongs to). With
MOTO_IAM_LOAD_MANAGED_POLICIES=true each of those ten backends parses and builds every AWS managed policy (about 1,500):
about a second per new account. Here the policy data is parsed once per process and the managed policies are built
only for the `aws` partition, the one Crossrole's local runs use; the other partitions get none, as they would without
the variable.

And one addition, for tests: CreateAccount with the tag `crossrole-test:account-id` = a 12-digit ID creates the account
with that ID (AWS assigns IDs; a test's organization holds the accounts its sample events name). Without the tag, moto
assigns a random ID as before.

And one repair, for speed: moto builds a queue's whole attribute map — three of them count the messages, each reading
the clock per message — every time it needs one attribute: four times per message sent to a FIFO queue, three times
per name asked by GetQueueAttributes. A FIFO queue holding 1,000 messages then took ~0.75 s of the server's single
thread per SendMessageBatch and ~0.5 s per ReceiveMessage, so the emulator, not the code under test, set the pace of
every run that queues an organization's worth of requests. Here the map computes an attribute when it is asked for;
the values are the same. Everything else is moto's own code.
"""
import json
import sys
from collections.abc import Mapping

from moto.iam import models
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.organizations import models as organizations
from moto.organizations import utils as organizations_utils
from moto.sqs import models as sqs
from moto.core.utils import camelcase_to_underscores

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



class _QueueAttributes(Mapping):
    """A queue's attributes as moto's Queue.attributes returns them, each computed when it is read."""

    def __init__(self, queue):
        self._queue = queue

    def _names(self):
        q = self._queue
        names = list(q.BASE_ATTRIBUTES)
        if q.fifo_queue:
            names += q.FIFO_ATTRIBUTES
        if q.kms_master_key_id:
            names += q.KMS_ATTRIBUTES
        if q.policy:
            names.append("Policy")
        if q.redrive_policy:
            names.append("RedrivePolicy")
        return names

    def __getitem__(self, name):
        if name not in self._names():
            raise KeyError(name)
        q = self._queue
        if name == "Policy":
            return q.policy
        if name == "RedrivePolicy":
            return json.dumps(q.redrive_policy)
        value = getattr(q, camelcase_to_underscores(name))
        return str(value).lower() if isinstance(value, bool) else value

    def __iter__(self):
        return iter(self._names())

    def __len__(self):
        return len(self._names())


sqs.Queue.attributes = property(_QueueAttributes)

if __name__ == "__main__":
    from moto.server import main
    sys.exit(main(sys.argv[1:]))
