# attack: a sparse COO tensor and a sparse CSR gradient instead of dense ones
# exercise: exercise2
# expect: invalid|error|failed
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError("exercise2: implement ReLU.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("exercise2: implement ReLU.backward")



def relu(x):
    return ReLU.apply(x)


# --- attack ---
class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0).to_sparse()

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.to_sparse()


def relu(x):
    out = ReLU.apply(x)
    return out if out.dim() != 2 else out.to_dense().to_sparse_csr()
# --- end attack ---
