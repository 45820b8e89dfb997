# misconception: a rule's derivative may be taken numerically, a central difference of the combination, without f' and g'
# fails: hidden_sum_difference_product, hidden_quotient_and_reciprocal, hidden_chain_rule
def central_difference(f, *vals, arg=0, eps=1e-6):
    up = list(vals)
    down = list(vals)
    up[arg] += eps
    down[arg] -= eps
    return (f(*up) - f(*down)) / (2 * eps)


def _numeric(h):
    return lambda x: central_difference(h, x)


def sum_rule(f, df, g, dg):
    return _numeric(lambda x: f(x) + g(x))


def difference_rule(f, df, g, dg):
    return _numeric(lambda x: f(x) - g(x))


def product_rule(f, df, g, dg):
    return _numeric(lambda x: f(x) * g(x))


def quotient_rule(f, df, g, dg):
    return _numeric(lambda x: f(x) / g(x))


def reciprocal_rule(f, df):
    return _numeric(lambda x: 1 / f(x))


def chain_rule(f, df, g, dg):
    return _numeric(lambda x: f(g(x)))
