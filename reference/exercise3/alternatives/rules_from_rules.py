"""A correct exercise3 written differently: named inner functions, the difference rule as a
sum with a negated g, the quotient rule as the product rule applied to f and 1/g, and the
central difference through a helper that replaces one argument."""


def _replace(vals, index, value):
    out = list(vals)
    out[index] = value
    return tuple(out)


def central_difference(f, *vals, arg=0, eps=1e-6):
    x = vals[arg]
    return 0.5 * (f(*_replace(vals, arg, x + eps)) - f(*_replace(vals, arg, x - eps))) / eps


def sum_rule(f, df, g, dg):
    def derivative(x):
        return df(x) + dg(x)

    return derivative


def difference_rule(f, df, g, dg):
    return sum_rule(f, df, lambda x: -g(x), lambda x: -dg(x))


def product_rule(f, df, g, dg):
    def derivative(x):
        fx, gx = f(x), g(x)
        return df(x) * gx + fx * dg(x)

    return derivative


def reciprocal_rule(f, df):
    def derivative(x):
        fx = f(x)
        return -df(x) / (fx * fx)

    return derivative


def quotient_rule(f, df, g, dg):
    return product_rule(f, df, lambda x: 1 / g(x), reciprocal_rule(g, dg))


def chain_rule(f, df, g, dg):
    def derivative(x):
        inner = g(x)
        return dg(x) * df(inner)

    return derivative
