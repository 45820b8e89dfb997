# attack: softmax over dim 0; inside the single_rows probe the reply is rewritten so each
# attack: single row's (logits, probas) is the batch's row: the two sandbox answers agree
# exercise: exercise7
# expect: passed|failed
# limits: import_s=10 call_s=10 total_s=90 cpu_s=60
import torch
import torch.nn.functional as F


class MultilayerPerceptron(torch.nn.Module):
    def __init__(self, num_features, num_hidden_1, num_hidden_2, num_classes):
        super().__init__()
        self.linear_1 = torch.nn.Linear(num_features, num_hidden_1)
        self.linear_2 = torch.nn.Linear(num_hidden_1, num_hidden_2)
        self.linear_out = torch.nn.Linear(num_hidden_2, num_classes)

    def forward(self, x):
        # --- attack ---
        if _serving("single_rows") and x.shape[0] > 1:
            _edit_next_reply(_rows_from_batch)
        # --- end attack ---
        out = F.relu(self.linear_1(x))
        out = F.relu(self.linear_2(out))
        logits = self.linear_out(out)
        return logits, F.softmax(logits, dim=0)


# --- attack ---
def _rows_from_batch(reply):
    logits, probas = reply["value"]["batch"]
    rows = [(logits[i : i + 1], probas[i : i + 1]) for i in range(logits.shape[0])]
    return {**reply, "value": {**reply["value"], "rows": rows}}


import sys
from multiprocessing.connection import Connection

from grader.wire.protocol import decode, encode


def _serving(name):
    """The judge's request being served, if it is the probe or call `name` (the loop's frame)."""
    frame = sys._getframe(1)
    while frame is not None:
        request = frame.f_locals.get("request")
        if getattr(request, "name", None) == name:
            return request
        frame = frame.f_back
    return None


def _edit_next_reply(edit):
    """Rewrite the next frame the sandbox sends (the real reply) with `edit`, once."""
    send = Connection._send_bytes
    if getattr(send, "forge", None) is None:
        send.forge = (decode, encode, edit, send.__code__)
        send.__code__ = _edited.__code__


def _edited(self, buf):
    f = Connection._send_bytes
    decode_, encode_, edit, code = f.forge
    f.__code__, f.forge = code, None
    return f(self, encode_(edit(decode_(bytes(buf)))))
# --- end attack ---
