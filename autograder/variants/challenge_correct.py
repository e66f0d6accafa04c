"""Correct solutions of the challenge, written from the notebook's text as different students
would (issue 15): the backprop layers and my_cos in several styles (loops or vectorised, Python
floats or 0-d arrays, copies or fresh arrays, exp saved or recomputed), and fits with different
valid optimisers and starting points, all through the student's layers (plain full-batch GD, SGD
with momentum, Adam, Gauss-Newton on the layers' per-element derivatives, grid then Newton,
multi-start). cos(p x) = cos(-p x): fit_challenge2 returns p, |p| or -|p| depending on the variant.

Each must get full marks on every student id."""
from . import Variant
from .backprop_correct import (ADRIEN_COMPOSITION, ADRIEN_LAYERS, COMPOSITION_COURSE, COMPOSITION_ENUMERATE,
                               COMPOSITION_INDEX_LOOPS, COMPOSITION_PER_ELEMENT, COMPOSITION_RECURSIVE,
                               COMPOSITION_REDUCE, LAYERS_FRESH_ARRAYS, LAYERS_INPLACE_COPY, LAYERS_LOOPS,
                               LAYERS_PER_ELEMENT, LAYERS_PLAIN, LAYERS_RECOMPUTE, LAYERS_ZERO_D)

ADD_BIAS_GIVEN = """class add_bias(object):
    def __init__(self, b):
        self.b = b

    def forward(self, x):
        return x + self.b

    def backward(self, grad):
        self.grad = grad
        return grad

    def step(self, learning_rate):
        self.b -= learning_rate * self.grad


"""


def backprop_layers(layers: str, composition: str) -> str:
    """The challenge's first cell: the given add_bias, then the student's pasted classes."""
    return ADD_BIAS_GIVEN + layers + "\n\n" + composition


# ----------------------------------------------------------------------------------------------
# my_cos styles
# ----------------------------------------------------------------------------------------------

COS_SAVES_DERIVATIVE = """class my_cos(object):
    # real student (adrien-c-lopez/notebooks, Module2/02_backprop.ipynb): saves -sin(x) in forward
    def forward(self, x):
        self.y = -np.sin(x)
        return np.cos(x)
            
    def backward(self,grad):
        return self.y*grad
            
    def step(self, learning_rate):
        pass
"""

COS_LOOPS = """import math


class my_cos(object):
    def forward(self, x):
        if np.ndim(x) == 0:
            self.x = float(x)
            return math.cos(self.x)
        self.x = np.array(x, dtype=float)
        out = np.empty(self.x.shape)
        for index in np.ndindex(self.x.shape):
            out[index] = math.cos(self.x[index])
        return out

    def backward(self, grad):
        if np.ndim(self.x) == 0:
            return -math.sin(self.x) * grad
        back = np.empty(self.x.shape)
        for index in np.ndindex(self.x.shape):
            back[index] = -math.sin(self.x[index]) * grad[index]
        return back

    def step(self, learning_rate):
        pass
"""

COS_COPY = """class my_cos(object):
    def forward(self, x):
        self.saved = x.copy() if isinstance(x, np.ndarray) else x
        return np.cos(x)

    def backward(self, grad):
        return np.sin(self.saved) * grad * -1

    def step(self, learning_rate):
        return None
"""

COS_ZERO_D = """class my_cos(object):
    def forward(self, x):
        self.x = np.array(x, dtype=np.float64)
        return np.asarray(np.cos(self.x))

    def backward(self, grad):
        return np.asarray(np.negative(np.sin(self.x)) * grad)

    def step(self, learning_rate):
        pass
"""

COS_PHASE = """class my_cos(object):
    # d cos(x)/dx = -sin(x) = cos(x + pi/2)
    def forward(self, x):
        self.x = x + 0.0
        return np.cos(self.x)

    def backward(self, grad):
        return np.cos(self.x + np.pi / 2) * grad

    def step(self, learning_rate):
        pass
"""

# ----------------------------------------------------------------------------------------------
# fit_challenge1 styles (w*'s sign is identifiable: every start works for both signs)
# ----------------------------------------------------------------------------------------------

FIT1_FULL_BATCH_GD = """def fit_challenge1(xx, yy):
    # plain gradient descent on the whole data set through my layers, from w = 0 and the b of a constant fit
    layers = [my_cos(), multiplication_weight(0.0), add_bias(float(np.log(np.mean(yy)))), my_exp()]
    model = my_composition(layers)
    rate = 0.5 / np.sum(yy ** 2)
    for _ in range(3000):
        model.compute_loss(model.forward(xx), yy)
        model.backward()
        layers[1].step(rate)
        # add_bias keeps the gradient of each sample of the batch: its step needs the sum
        layers[2].b = layers[2].b - rate * np.sum(layers[2].grad)
    return float(layers[1].w), float(layers[2].b)
"""

FIT1_ADAM = """def fit_challenge1(xx, yy):
    # Adam on the full data set, gradients from my layers, from (w, b) = (0.1, 1)
    mult, bias = multiplication_weight(0.1), add_bias(1.0)
    model = my_composition([my_cos(), mult, bias, my_exp()])
    m, v = np.zeros(2), np.zeros(2)
    beta1, beta2 = 0.9, 0.999
    n_iter = 4000
    for t in range(1, n_iter + 1):
        model.compute_loss(model.forward(xx), yy)
        model.backward()
        g = np.array([np.sum(mult.grad), np.sum(bias.grad)])
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        rate = 0.05 * 0.001 ** (t / n_iter)
        update = rate * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + 1e-12)
        mult.w = mult.w - update[0]
        bias.b = bias.b - update[1]
    return float(mult.w), float(bias.b)
"""

FIT1_MOMENTUM_SGD = """def fit_challenge1(xx, yy):
    # SGD with momentum, one sample at a time, through my layers; the data are exact, so every
    # sample's gradient vanishes at the truth and SGD converges
    mult, bias = multiplication_weight(0.0), add_bias(float(np.log(np.mean(yy))))
    model = my_composition([my_cos(), mult, bias, my_exp()])
    rate, momentum = 0.004 / np.mean(yy ** 2), 0.9
    velocity_w = velocity_b = 0.0
    rng = np.random.default_rng(7)
    for j in rng.integers(len(xx), size=8000):
        model.compute_loss(model.forward(xx[j]), yy[j])
        model.backward()
        velocity_w = momentum * velocity_w - rate * float(np.sum(mult.grad))
        velocity_b = momentum * velocity_b - rate * float(np.sum(bias.grad))
        mult.w = mult.w + velocity_w
        bias.b = bias.b + velocity_b
    return float(mult.w), float(bias.b)
"""

# Needs layers whose self.grad is per element (LAYERS_PER_ELEMENT, the course's style): see
# COUPLED_TO_OWN_LAYERS below.
FIT1_GAUSS_NEWTON_PER_ELEMENT = """def fit_challenge1(xx, yy):
    # Gauss-Newton: my layers' per-element gradients, backpropagated from ones, are the rows of the
    # Jacobian of the predictions; halve the step until the loss goes down
    mult, bias = multiplication_weight(0.0), add_bias(float(np.log(np.mean(yy))))
    model = my_composition([my_cos(), mult, bias, my_exp()])

    def loss_at(w, b):
        mult.w, bias.b = w, b
        return np.sum((model.forward(xx) - yy) ** 2)

    w, b = mult.w, bias.b
    for _ in range(50):
        current = loss_at(w, b)
        residual = model.forward(xx) - yy
        grad = np.ones(len(xx))
        for layer in reversed(model.layers):
            grad = layer.backward(grad)
        jacobian = np.stack([np.broadcast_to(mult.grad, xx.shape), np.broadcast_to(bias.grad, xx.shape)], axis=1)
        delta = np.linalg.lstsq(jacobian, -residual, rcond=None)[0]
        scale = 1.0
        while scale > 1e-6 and loss_at(w + scale * delta[0], b + scale * delta[1]) > current:
            scale /= 2
        w, b = w + scale * delta[0], b + scale * delta[1]
    return float(w), float(b)
"""

FIT1_LOG_THEN_GD = """def fit_challenge1(xx, yy):
    # log y = w cos(x) + b: the 2 x 2 normal equations by hand give the start,
    # then gradient descent through my layers on the original loss
    c = np.cos(xx)
    log_y = np.log(yy)
    n = len(xx)
    det = n * np.sum(c * c) - np.sum(c) ** 2
    w0 = (n * np.sum(c * log_y) - np.sum(c) * np.sum(log_y)) / det
    b0 = (np.sum(log_y) - w0 * np.sum(c)) / n
    model = my_composition([my_cos(), multiplication_weight(w0), add_bias(b0), my_exp()])
    rate = 0.3 / np.sum(yy ** 2)
    for _ in range(200):
        model.compute_loss(model.forward(xx), yy)
        model.backward()
        model.layers[1].step(rate)
        model.layers[2].b = model.layers[2].b - rate * np.sum(model.layers[2].grad)   # summed over the batch
    return model.layers[1].w, model.layers[2].b
"""

FIT1_GAUSS_NEWTON = """def fit_challenge1(xx, yy):
    # Gauss-Newton: one sample at a time, backpropagating 1 through my layers gives that sample's
    # row of the Jacobian (d y_hat / d w, d y_hat / d b) in the layers' .grad; every 4th sample is
    # plenty for two parameters. Halve the step until the loss on all the data goes down.
    mult, bias = multiplication_weight(0.0), add_bias(float(np.log(np.mean(yy))))
    model = my_composition([my_cos(), mult, bias, my_exp()])
    rows = range(0, len(xx), 4)

    def loss_at(w, b):
        mult.w, bias.b = w, b
        return float(np.sum((model.forward(xx) - yy) ** 2))

    w, b = 0.0, bias.b
    for _ in range(30):
        current = loss_at(w, b)
        jacobian, residual = np.zeros((len(rows), 2)), np.zeros(len(rows))
        for k, i in enumerate(rows):
            residual[k] = model.forward(xx[i]) - yy[i]
            g = 1.0
            for layer in reversed(model.layers):
                g = layer.backward(g)
            jacobian[k] = float(np.sum(mult.grad)), float(np.sum(bias.grad))
        delta = np.linalg.lstsq(jacobian, -residual, rcond=None)[0]
        scale = 1.0
        while scale > 1e-6 and loss_at(w + scale * delta[0], b + scale * delta[1]) > current:
            scale /= 2
        w, b = w + scale * delta[0], b + scale * delta[1]
        if np.max(np.abs(scale * delta)) < 1e-12:
            break
    return float(w), float(b)
"""

# ----------------------------------------------------------------------------------------------
# fit_challenge2 styles
# ----------------------------------------------------------------------------------------------

FIT2_MULTISTART_SGD = """def fit_challenge2(xx, yy):
    # multi-start: short SGD runs through my layers from p on a grid and both signs of w,
    # then long runs from the three best; p is returned as found (cos(px) = cos(-px))
    rate = 0.05 / np.mean(yy ** 2)
    rng = np.random.default_rng(3)
    b0 = float(np.mean(np.log(yy)))

    def run(p, w, b, n_iter):
        layers = [multiplication_weight(p), my_cos(), multiplication_weight(w), add_bias(b), my_exp()]
        model = my_composition(layers)
        for k, j in enumerate(rng.integers(len(xx), size=n_iter)):
            decay = 1 / (1 + 5 * k / n_iter)
            model.compute_loss(model.forward(xx[j]), yy[j])
            model.backward()
            layers[0].step(rate * decay / 15)
            layers[2].step(rate * decay)
            layers[3].step(rate * decay)
        p, w, b = float(layers[0].w), float(layers[2].w), float(layers[3].b)
        loss = np.mean((np.exp(w * np.cos(p * xx) + b) - yy) ** 2)
        return (loss if np.isfinite(loss) else np.inf), (p, w, b)

    coarse = [run(p0, w0, b0, 300) for p0 in np.arange(0.1, 4.0, 0.1) for w0 in (0.5, -0.5)]
    coarse.sort(key=lambda pair: pair[0])
    refined = [run(*start, 6000) for _, start in coarse[:3]]
    return min(refined, key=lambda pair: pair[0])[1]
"""

FIT2_GRID_NEWTON_NEGATIVE_P = """def fit_challenge2(xx, yy):
    # 1. For a fixed p, log y = w cos(p x) + b is linear: its residual is a function of p alone.
    #    A grid finds its basin, Newton's method (finite differences) its minimum.
    log_y = np.log(yy)

    def profile(p):
        design = np.stack([np.cos(p * xx), np.ones_like(xx)], axis=1)
        coef, res, *_ = np.linalg.lstsq(design, log_y, rcond=None)
        return float(np.sum((design @ coef - log_y) ** 2)), coef

    grid = np.arange(0.01, 5.0, 0.005)
    values = [profile(p)[0] for p in grid]
    p = grid[int(np.argmin(values))]
    h = 1e-5
    for _ in range(20):
        f_minus, f_0, f_plus = profile(p - h)[0], profile(p)[0], profile(p + h)[0]
        second = (f_plus - 2 * f_0 + f_minus) / h ** 2
        if second <= 0:
            break
        p_new = p - (f_plus - f_minus) / (2 * h) / second
        if abs(p_new - p) > 0.01:
            break
        p = p_new
    w, b = profile(p)[1]
    # 2. Gradient descent through my layers polishes the three parameters; I report p <= 0.
    layers = [multiplication_weight(-p), my_cos(), multiplication_weight(w), add_bias(b), my_exp()]
    model = my_composition(layers)
    rate = 0.2 / np.sum(yy ** 2)
    for _ in range(300):
        model.compute_loss(model.forward(xx), yy)
        model.backward()
        layers[0].step(rate / 40)
        layers[2].step(rate)
        layers[3].b = layers[3].b - rate * np.sum(layers[3].grad)   # add_bias: per-sample gradients of the batch
    return -abs(float(layers[0].w)), float(layers[2].w), float(layers[3].b)
"""

# Needs layers whose self.grad is per element (LAYERS_PER_ELEMENT, the course's style): see
# COUPLED_TO_OWN_LAYERS below.
FIT2_FFT_GAUSS_NEWTON_PER_ELEMENT = """def fit_challenge2(xx, yy):
    # 1. The spectrum of log y peaks near p (a resolution of 2 pi / 20); a fine grid of linear
    #    fits of log y around the peak, and over the whole range in case of doubt, picks p.
    log_y = np.log(yy)
    n, dx = len(xx), xx[1] - xx[0]
    spectrum = np.abs(np.fft.rfft(log_y - log_y.mean(), 16 * n))
    frequencies = 2 * np.pi * np.fft.rfftfreq(16 * n, dx)
    peak = frequencies[int(np.argmax(spectrum))]

    def residual_of(p):
        c = np.cos(p * xx)
        A = np.column_stack([c, np.ones(n)])
        coef = np.linalg.lstsq(A, log_y, rcond=None)[0]
        return np.sum((A @ coef - log_y) ** 2), coef

    candidates = np.concatenate([np.linspace(max(peak - 0.3, 0.01), peak + 0.3, 601), np.arange(0.01, 5, 0.01)])
    p = min(candidates, key=lambda q: residual_of(q)[0])
    w, b = residual_of(p)[1]
    # 2. Gauss-Newton on (p, w, b): the per-element gradients my layers store, backpropagated from
    #    ones, are the Jacobian's columns.
    mult_p, mult_w, bias = multiplication_weight(p), multiplication_weight(w), add_bias(b)
    model = my_composition([mult_p, my_cos(), mult_w, bias, my_exp()])
    theta = np.array([p, w, b], dtype=float)

    def loss(t):
        mult_p.w, mult_w.w, bias.b = t
        return np.sum((model.forward(xx) - yy) ** 2)

    for _ in range(20):
        current = loss(theta)
        residual = model.forward(xx) - yy
        g = np.ones(n)
        for layer in model.layers[::-1]:
            g = layer.backward(g)
        J = np.column_stack([np.broadcast_to(layer.grad, xx.shape) for layer in (mult_p, mult_w, bias)])
        delta = np.linalg.lstsq(J, -residual, rcond=None)[0]
        scale = 1.0
        while scale > 1e-8 and loss(theta + scale * delta) > current:
            scale /= 2
        theta = theta + scale * delta
    return abs(theta[0]), theta[1], theta[2]
"""

FIT2_FFT_GAUSS_NEWTON = """def fit_challenge2(xx, yy):
    # 1. The spectrum of log y peaks near p (a resolution of 2 pi / 20); a fine grid of linear
    #    fits of log y around the peak, and over the whole range in case of doubt, picks p.
    log_y = np.log(yy)
    n, dx = len(xx), xx[1] - xx[0]
    spectrum = np.abs(np.fft.rfft(log_y - log_y.mean(), 16 * n))
    frequencies = 2 * np.pi * np.fft.rfftfreq(16 * n, dx)
    peak = frequencies[int(np.argmax(spectrum))]

    def residual_of(p):
        A = np.column_stack([np.cos(p * xx), np.ones(n)])
        coef = np.linalg.lstsq(A, log_y, rcond=None)[0]
        return np.sum((A @ coef - log_y) ** 2), coef

    candidates = np.concatenate([np.linspace(max(peak - 0.3, 0.01), peak + 0.3, 601), np.arange(0.01, 5, 0.01)])
    p = min(candidates, key=lambda q: residual_of(q)[0])
    w, b = residual_of(p)[1]
    # 2. Gauss-Newton on (p, w, b): backpropagating 1 from one sample through my layers leaves that
    #    sample's Jacobian row in their .grad (every 2nd sample).
    mult_p, mult_w, bias = multiplication_weight(p), multiplication_weight(w), add_bias(b)
    model = my_composition([mult_p, my_cos(), mult_w, bias, my_exp()])
    theta = np.array([p, w, b], dtype=float)
    rows = range(0, n, 2)

    def loss(t):
        mult_p.w, mult_w.w, bias.b = t
        return float(np.sum((model.forward(xx) - yy) ** 2))

    for _ in range(8):
        current = loss(theta)
        J, residual = np.zeros((len(rows), 3)), np.zeros(len(rows))
        for k, i in enumerate(rows):
            residual[k] = model.forward(xx[i]) - yy[i]
            g = 1.0
            for layer in model.layers[::-1]:
                g = layer.backward(g)
            J[k] = [float(np.sum(layer.grad)) for layer in (mult_p, mult_w, bias)]
        delta = np.linalg.lstsq(J, -residual, rcond=None)[0]
        scale = 1.0
        while scale > 1e-8 and loss(theta + scale * delta) > current:
            scale /= 2
        theta = theta + scale * delta
        if np.max(np.abs(scale * delta)) < 1e-12:
            break
    loss(theta)
    return abs(theta[0]), theta[1], theta[2]
"""

FIT2_GRID_ADAM_SIGN = """def fit_challenge2(xx, yy):
    # A grid over p with the linear fit of log y for (w, b) gives the start; I start from -p
    # (the same model) and polish with Adam on the full data through my layers, returning p < 0.
    log_y = np.log(yy)
    best = (np.inf, None)
    for p in np.arange(0.005, 5.0, 0.0025):
        c = np.cos(p * xx)
        c_centered = c - c.mean()
        denominator = np.sum(c_centered ** 2)
        if denominator < 1e-9:
            continue
        w = np.sum(c_centered * (log_y - log_y.mean())) / denominator
        b = log_y.mean() - w * c.mean()
        err = np.sum((w * c + b - log_y) ** 2)
        if err < best[0]:
            best = (err, (p, w, b))
    p0, w0, b0 = best[1]
    params = [multiplication_weight(-p0), multiplication_weight(w0), add_bias(b0)]
    model = my_composition([params[0], my_cos(), params[1], params[2], my_exp()])
    m, v = np.zeros(3), np.zeros(3)
    n_iter = 1500
    for t in range(1, n_iter + 1):
        model.compute_loss(model.forward(xx), yy)
        model.backward()
        g = np.array([np.sum(params[0].grad), np.sum(params[1].grad), np.sum(params[2].grad)])
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        rate = 1e-3 * 0.01 ** (t / n_iter)
        step = rate * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-12)
        params[0].w -= step[0]
        params[1].w -= step[1]
        params[2].b -= step[2]
    return float(params[0].w), float(params[1].w), float(params[2].b)
"""

FIT2_MULTISTART_MOMENTUM_GD = """def fit_challenge2(xx, yy):
    # multi-start full-batch gradient descent with momentum through my layers: starts every 0.06
    # in p, both signs of w; a short run each, then a long run from the best three
    b0 = float(np.log(np.mean(yy)))
    rate = 0.3 / np.sum(yy ** 2)

    def run(p, w, b, n_iter):
        layers = [multiplication_weight(p), my_cos(), multiplication_weight(w), add_bias(b), my_exp()]
        model = my_composition(layers)
        velocity = np.zeros(3)
        for _ in range(n_iter):
            loss = model.compute_loss(model.forward(xx), yy)
            model.backward()
            g = np.array([np.sum(layers[0].grad) / 50, np.sum(layers[2].grad), np.sum(layers[3].grad)])
            velocity = 0.8 * velocity - rate * g
            layers[0].w += velocity[0]
            layers[2].w += velocity[1]
            layers[3].b += velocity[2]
        p, w, b = float(layers[0].w), float(layers[2].w), float(layers[3].b)
        final = np.sum((np.exp(w * np.cos(p * xx) + b) - yy) ** 2)
        return (final if np.isfinite(final) else np.inf), (p, w, b)

    starts = [run(p0, w0, b0, 30) for p0 in np.arange(0.05, 4.0, 0.06) for w0 in (0.4, -0.4)]
    starts.sort(key=lambda pair: pair[0])
    finals = [run(*start, 1200) for _, start in starts[:3]]
    return min(finals, key=lambda pair: pair[0])[1]
"""

CORRECT: list[Variant] = [
    Variant("loops_momentum_sgd_multistart",
            cells=(("backprop_layers", backprop_layers(LAYERS_LOOPS, COMPOSITION_INDEX_LOOPS)), ("my_cos", COS_LOOPS),
                   ("fit_challenge1", FIT1_MOMENTUM_SGD), ("fit_challenge2", FIT2_MULTISTART_SGD)),
            description="style loops (np.ndindex, math.cos/sin/exp, Python floats for numbers); fit 1: SGD with "
                        "momentum one sample at a time from w = 0; fit 2: multi-start SGD through the layers, "
                        "p returned as found"),
    Variant("zero_d_full_batch_gd_grid_newton",
            cells=(("backprop_layers", backprop_layers(LAYERS_ZERO_D, COMPOSITION_RECURSIVE)), ("my_cos", COS_ZERO_D),
                   ("fit_challenge1", FIT1_FULL_BATCH_GD), ("fit_challenge2", FIT2_GRID_NEWTON_NEGATIVE_P)),
            description="style 0-d arrays and recursive my_composition; fit 1: plain full-batch GD through the "
                        "layers from w = 0; fit 2: grid then Newton on the profile in p, GD polish through the "
                        "layers, returns -|p|"),
    Variant("per_element_gauss_newton",
            cells=(("backprop_layers", backprop_layers(LAYERS_PER_ELEMENT, COMPOSITION_PER_ELEMENT)),
                   ("my_cos", COS_COPY), ("fit_challenge1", FIT1_GAUSS_NEWTON),
                   ("fit_challenge2", FIT2_FFT_GAUSS_NEWTON)),
            description="style per-element gradients and loss (the course's reading); my_cos copies its input; "
                        "fit 1: Gauss-Newton with the Jacobian from the layers; fit 2: FFT peak and a grid of "
                        "linear fits of log y, then Gauss-Newton through the layers, returns |p|"),
    Variant("recompute_adam",
            cells=(("backprop_layers", backprop_layers(LAYERS_RECOMPUTE, COMPOSITION_REDUCE)), ("my_cos", COS_PHASE),
                   ("fit_challenge1", FIT1_ADAM), ("fit_challenge2", FIT2_GRID_ADAM_SIGN)),
            description="style: exp recomputed in backward, functools.reduce; my_cos backward as cos(x + pi/2); "
                        "fit 1: full-batch Adam from (0.1, 1); fit 2: grid with closed-form linear fits of log y, "
                        "Adam through the layers started from -p, returns p < 0"),
    Variant("fresh_arrays_log_gd_multistart_momentum",
            cells=(("backprop_layers", backprop_layers(LAYERS_FRESH_ARRAYS, COMPOSITION_ENUMERATE)),
                   ("my_cos", COS_SAVES_DERIVATIVE), ("fit_challenge1", FIT1_LOG_THEN_GD),
                   ("fit_challenge2", FIT2_MULTISTART_MOMENTUM_GD)),
            description="style fresh arrays, Python-float weights; my_cos of a real student (adrien-c-lopez/"
                        "notebooks: saves -sin(x) in forward); fit 1: normal equations of log y by hand, then GD "
                        "through the layers, returning numpy floats; fit 2: multi-start full-batch GD with momentum"),
    Variant("course_style_layers",
            cells=(("backprop_layers", backprop_layers(LAYERS_PER_ELEMENT, COMPOSITION_COURSE)), ("my_cos", COS_PHASE),
                   ("fit_challenge1", FIT1_GAUSS_NEWTON), ("fit_challenge2", FIT2_GRID_NEWTON_NEGATIVE_P)),
            description="style of the course's published layers (element-wise loss, backward over layers[::-1] "
                        "returning nothing) with per-element gradients; fit 1 Gauss-Newton; fit 2 grid then Newton, "
                        "-|p|"),
    Variant("inplace_copies_sgd_fits",
            cells=(("backprop_layers", backprop_layers(LAYERS_INPLACE_COPY, COMPOSITION_INDEX_LOOPS)),
                   ("my_cos", COS_COPY), ("fit_challenge1", FIT1_MOMENTUM_SGD),
                   ("fit_challenge2", FIT2_MULTISTART_SGD)),
            description="style in place on own copies (Python floats out for numbers); SGD with momentum for fit 1, "
                        "multi-start SGD for fit 2"),
    Variant("plain_layers_adam_multistart_momentum",
            cells=(("backprop_layers", backprop_layers(LAYERS_PLAIN, COMPOSITION_RECURSIVE)), ("my_cos", COS_COPY),
                   ("fit_challenge1", FIT1_ADAM), ("fit_challenge2", FIT2_MULTISTART_MOMENTUM_GD)),
            description="style: the notebook's plain layers with a recursive my_composition, my_cos copying its "
                        "input; fit 1 Adam; fit 2 multi-start full-batch momentum GD"),
    Variant("zero_d_log_gd_grid_adam",
            cells=(("backprop_layers", backprop_layers(LAYERS_ZERO_D, COMPOSITION_ENUMERATE)), ("my_cos", COS_ZERO_D),
                   ("fit_challenge1", FIT1_LOG_THEN_GD), ("fit_challenge2", FIT2_GRID_ADAM_SIGN)),
            description="style 0-d arrays everywhere; fit 1 log fit then GD through the layers; fit 2 grid then "
                        "Adam from -p"),
    Variant("real_adrien_c_lopez_cos_and_composition",
            cells=(("backprop_layers", backprop_layers(LAYERS_PLAIN, ADRIEN_COMPOSITION)),
                   ("my_cos", COS_SAVES_DERIVATIVE), ("fit_challenge1", FIT1_MOMENTUM_SGD),
                   ("fit_challenge2", FIT2_MULTISTART_SGD)),
            description="real student adrien-c-lopez/notebooks (Module2/02_backprop.ipynb): their my_composition "
                        "and my_cos as written (their multiplication_weight is wrong: the reference's here); "
                        "their own fits used a single SGD run that does not converge, so ours: momentum SGD and "
                        "multi-start SGD"),
]

REAL_BUGS: list[Variant] = [
    Variant("real_adrien_c_lopez_layers",
            cells=(("backprop_layers", backprop_layers(ADRIEN_LAYERS, COMPOSITION_REDUCE)),
                   ("my_cos", COS_SAVES_DERIVATIVE)),
            targets=("test_backward_input_gradient", "test_contract", "test_end_to_end"), max_other_failures=0,
            description="real student (adrien-c-lopez/notebooks, Module2/02_backprop.ipynb, who also wrote my_cos): "
                        "multiplication_weight.backward returns grad * self.x as d loss / d x (should be grad * w); "
                        "my_cos correct; the fits are the reference's"),
]

# Right in the student's own notebook, but only with their own layers: Gauss-Newton reads each
# sample's Jacobian from per-element .grad arrays (LAYERS_PER_ELEMENT, which the backprop notebook
# accepts). The fits are graded on the course's layers, and the challenge notebook says what their
# .grad holds (multiplication_weight's summed, add_bias's as it came): a fit that needs its own
# layers' convention breaks that clause and loses fit_challenge1's points, nothing else.
COUPLED_TO_OWN_LAYERS: list[Variant] = [
    Variant("per_element_gauss_newton_coupled",
            cells=(("backprop_layers", backprop_layers(LAYERS_PER_ELEMENT, COMPOSITION_PER_ELEMENT)),
                   ("my_cos", COS_COPY), ("fit_challenge1", FIT1_GAUSS_NEWTON_PER_ELEMENT),
                   ("fit_challenge2", FIT2_FFT_GAUSS_NEWTON_PER_ELEMENT)),
            targets=("test_fit_challenge1", "test_fit_contract"), max_other_failures=0,
            description="style per-element gradients; both fits Gauss-Newton with the Jacobian read from the "
                        "layers' per-element .grad (backpropagating ones over the whole data)"),
]
