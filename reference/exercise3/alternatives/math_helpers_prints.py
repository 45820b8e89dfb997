"""A correct exercise3 with math-style helpers: the central difference through a shifted copy
of the arguments, the quotient rule as f' / g - f g' / g^2, the reciprocal as the quotient rule
with f = 1, the chain rule through a named helper, and a print."""


def shifted(vals, arg, step):
    return [v + step if i == arg else v for i, v in enumerate(vals)]


def central_difference(f, *vals, arg=0, eps=1e-6):
    high = f(*shifted(vals, arg, eps))
    low = f(*shifted(vals, arg, -eps))
    return (high - low) / (2 * eps)


def sum_rule(f, df, g, dg):
    return lambda x: df(x) + dg(x)


def difference_rule(f, df, g, dg):
    return lambda x: df(x) - dg(x)


def product_rule(f, df, g, dg):
    return lambda x: df(x) * g(x) + f(x) * dg(x)


def quotient_rule(f, df, g, dg):
    return lambda x: df(x) / g(x) - f(x) * dg(x) / g(x) ** 2


def reciprocal_rule(f, df):
    return quotient_rule(lambda x: 1.0, lambda x: 0.0, f, df)


def chain_rule(f, df, g, dg):
    def outer_slope_at_inner(x):
        return df(g(x))

    return lambda x: outer_slope_at_inner(x) * dg(x)


print("exercise3 loaded")
