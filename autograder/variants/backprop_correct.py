"""Correct solutions of the backprop practical, written from the notebook's text as different
students would (issue 15), and real students' filled-in notebooks of the course's practical
adapted mechanically to our names (issue 22).

Each CORRECT variant must get full marks on every student id, except the contract tests it names
in `targets`: a variant whose name ends in "_other_order" runs a correct SGD in `train` but visits
the samples in another order than the notebook's `j = rng.integers(len(xx))` rule, so it recovers
the hidden parameters (full recovery marks) and fails only the test that replays the notebook's
exact run with its seed.

REAL_BUGS are real students' notebooks that are wrong: the sweep grades them with the bug tables."""
from . import Variant

# The hidden test that replays the notebook's exact run of `train` (its seed, its order of samples):
# the one contract test an "_other_order" variant may fail.
REPLAY_TEST = "test_train_replays_the_notebook_run"


def _other_order(name: str, cells: tuple, description: str) -> Variant:
    return Variant(name, cells=cells, targets=(REPLAY_TEST,),
                   description=description + "; its SGD visits the samples in another order than the notebook's "
                                             "rng rule, so it may lose the exact-replay test only")


# ----------------------------------------------------------------------------------------------
# train cells, shared by the layer styles below
# ----------------------------------------------------------------------------------------------

TRAIN_NOTEBOOK_RULE = """def train(model, xx, yy, learning_rate, n_iter, seed=0):
    rng = np.random.default_rng(seed)
    losses = []
    for it in range(n_iter):
        j = rng.integers(len(xx))
        prediction = model.forward(xx[j])
        loss = model.compute_loss(prediction, yy[j])
        model.backward()
        model.step(learning_rate)
        losses.append(float(loss))
    return losses
"""

TRAIN_INDICES_AT_ONCE = """def train(model, xx, yy, learning_rate, n_iter, seed=0):
    # all the indices drawn up front: integers(n, size=k) gives the same k draws as k calls
    indices = np.random.default_rng(seed).integers(len(xx), size=n_iter)
    losses = [0.0] * n_iter
    for k in range(n_iter):
        j = indices[k]
        losses[k] = float(model.compute_loss(model.forward(xx[j]), yy[j]))
        model.backward()
        model.step(learning_rate)
    return losses
"""

TRAIN_WHILE_COPIES = """def train(model, xx, yy, learning_rate, n_iter, seed=0):
    x_data = np.array(xx, dtype=float)     # my own copies: xx and yy stay as they were
    y_data = yy.copy()
    rng = np.random.default_rng(seed)
    history = []
    count = 0
    while count < n_iter:
        j = rng.integers(len(x_data))
        y_hat = model.forward(x_data[j])
        history.append(np.asarray(model.compute_loss(y_hat, y_data[j])).item())
        model.backward()
        model.step(learning_rate)
        count += 1
    return history
"""

TRAIN_PERMUTATION = """def train(model, xx, yy, learning_rate, n_iter, seed=0):
    # epochs: every sample once per epoch, in a new random order each time
    rng = np.random.default_rng(seed)
    losses = []
    order = []
    while len(losses) < n_iter:
        if not order:
            order = list(rng.permutation(len(xx)))
        j = order.pop()
        losses.append(float(model.compute_loss(model.forward(xx[j]), yy[j])))
        model.backward()
        model.step(learning_rate)
    return losses
"""

TRAIN_LEGACY_RANDOMSTATE = """def train(model, xx, yy, learning_rate, n_iter, seed=0):
    random_state = np.random.RandomState(seed)
    losses = []
    for _ in range(n_iter):
        j = random_state.randint(0, len(xx))
        y_est = model.forward(xx[j])
        losses.append(float(model.compute_loss(y_est, yy[j])))
        model.backward()
        model.step(learning_rate)
    return losses
"""

TRAIN_PYTHON_RANDOM = """import random


def train(model, xx, yy, learning_rate, n_iter, seed=0):
    generator = random.Random(seed)
    losses = []
    for _ in range(n_iter):
        j = generator.randrange(len(xx))
        losses.append(float(model.compute_loss(model.forward(xx[j]), yy[j])))
        model.backward()
        model.step(learning_rate)
    return losses
"""

# ----------------------------------------------------------------------------------------------
# layer and composition styles
# ----------------------------------------------------------------------------------------------

LAYERS_LOOPS = """import math


class multiplication_weight(object):
    def __init__(self, w):
        self.w = w

    def forward(self, x):
        if np.ndim(x) == 0:
            self.x = float(x)
            return self.w * self.x
        self.x = np.array(x, dtype=float)              # a copy of my own
        out = np.zeros(self.x.shape)
        for index in np.ndindex(self.x.shape):
            out[index] = self.w * self.x[index]
        return out

    def backward(self, grad):
        if np.ndim(self.x) == 0:
            self.grad = grad * self.x
            return grad * self.w
        grad = np.asarray(grad, dtype=float)
        total = 0.0
        back = np.zeros(self.x.shape)
        for index in np.ndindex(self.x.shape):
            total += grad[index] * self.x[index]
            back[index] = grad[index] * self.w
        self.grad = total
        return back

    def step(self, learning_rate):
        self.w = self.w - learning_rate * self.grad


class my_exp(object):
    def forward(self, x):
        if np.ndim(x) == 0:
            self.out = math.exp(x)
            return self.out
        self.out = np.zeros(np.shape(x))
        for index in np.ndindex(self.out.shape):
            self.out[index] = math.exp(x[index])
        return self.out.copy()

    def backward(self, grad):
        if np.ndim(self.out) == 0:
            return grad * self.out
        back = np.zeros(self.out.shape)
        for index in np.ndindex(self.out.shape):
            back[index] = grad[index] * self.out[index]
        return back

    def step(self, learning_rate):
        return None
"""

COMPOSITION_INDEX_LOOPS = """class my_composition(object):
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        out = x
        for i in range(len(self.layers)):
            out = self.layers[i].forward(out)
        return out

    def compute_loss(self, y_est, y_target):
        if np.ndim(y_est) == 0:
            error = y_est - y_target
            self.dloss = 2 * error
            return error * error
        error = np.asarray(y_est, dtype=float) - np.asarray(y_target, dtype=float)
        total = 0.0
        for e in error.flat:               # an explicit loop over the elements
            total += e ** 2
        self.dloss = 2 * error
        return total

    def backward(self):
        g = self.dloss
        for i in range(len(self.layers) - 1, -1, -1):
            g = self.layers[i].backward(g)
        return g

    def step(self, learning_rate):
        for i in range(len(self.layers)):
            self.layers[i].step(learning_rate)
"""

LAYERS_ZERO_D = """class multiplication_weight(object):
    # everything kept as numpy arrays: the weight is a 0-d array
    def __init__(self, w):
        self.w = np.array(w, dtype=np.float64)

    def forward(self, x):
        self.saved_input = np.array(x, dtype=np.float64)     # a copy (0-d for a number)
        return np.asarray(np.multiply(self.w, self.saved_input))

    def backward(self, grad):
        self.grad = np.sum(np.multiply(grad, self.saved_input))
        return np.asarray(np.multiply(grad, self.w))

    def step(self, learning_rate):
        self.w = self.w - learning_rate * self.grad


class my_exp(object):
    def forward(self, x):
        self.saved_output = np.asarray(np.exp(np.array(x, dtype=np.float64)))
        return self.saved_output.copy()

    def backward(self, grad):
        return np.asarray(np.multiply(grad, self.saved_output))

    def step(self, learning_rate):
        pass
"""

COMPOSITION_RECURSIVE = """class my_composition(object):
    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, x):
        return self._forward_from(0, x)

    def _forward_from(self, i, x):
        if i == len(self.layers):
            return x
        return self._forward_from(i + 1, self.layers[i].forward(x))

    def compute_loss(self, y_est, y_target):
        difference = np.subtract(y_est, y_target)
        self.gradient_of_loss = 2.0 * difference
        return np.sum(np.square(difference))

    def backward(self):
        return self._backward_from(len(self.layers) - 1, self.gradient_of_loss)

    def _backward_from(self, i, grad):
        if i < 0:
            return grad
        return self._backward_from(i - 1, self.layers[i].backward(grad))

    def step(self, learning_rate):
        for layer in self.layers:
            layer.step(learning_rate)
"""

LAYERS_RECOMPUTE = """class multiplication_weight(object):
    def __init__(self, w):
        self.w = w

    def forward(self, x):
        self.input = x.copy() if isinstance(x, np.ndarray) else x
        return x * self.w

    def backward(self, grad):
        self.grad = (grad * self.input).sum() if isinstance(self.input, np.ndarray) else grad * self.input
        return self.w * grad

    def step(self, learning_rate):
        self.w -= learning_rate * self.grad


class my_exp(object):
    # keeps the input and recomputes exp in backward
    def forward(self, x):
        self.input = x.copy() if isinstance(x, np.ndarray) else x
        return np.exp(x)

    def backward(self, grad):
        return np.exp(self.input) * grad

    def step(self, learning_rate):
        pass
"""

COMPOSITION_REDUCE = """from functools import reduce


class my_composition(object):
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        return reduce(lambda value, layer: layer.forward(value), self.layers, x)

    def compute_loss(self, y_est, y_target):
        residual = y_est - y_target
        self.residual_grad = residual + residual
        return float(np.sum(residual * residual))

    def backward(self):
        return reduce(lambda grad, layer: layer.backward(grad), self.layers[::-1], self.residual_grad)

    def step(self, learning_rate):
        for layer in self.layers:
            layer.step(learning_rate)
"""

LAYERS_PER_ELEMENT = """class multiplication_weight(object):
    def __init__(self, w):
        self.w = w

    def forward(self, x):
        self.x = x
        return x * self.w

    def backward(self, grad):
        self.grad = grad * self.x      # per element for an array (the notebook accepts it)
        return grad * self.w

    def step(self, learning_rate):
        self.w = self.w - learning_rate * np.sum(self.grad)


class my_exp(object):
    def forward(self, x):
        self.exp_x = np.exp(x)
        return self.exp_x

    def backward(self, grad):
        return self.exp_x * grad

    def step(self, learning_rate):
        pass
"""

COMPOSITION_PER_ELEMENT = """class my_composition(object):
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        y = x
        for layer in self.layers:
            y = layer.forward(y)
        return y

    def compute_loss(self, y_est, y_target):
        self.grad_loss = 2 * (y_est - y_target)
        return (y_est - y_target) ** 2     # per element for arrays (the notebook accepts it)

    def backward(self):
        grad = self.grad_loss
        for layer in reversed(self.layers):
            grad = layer.backward(grad)

    def step(self, learning_rate):
        for layer in self.layers:
            layer.step(learning_rate)
"""

# The course's published solution (Module2/sol/02_backprop_sol.ipynb of dataflowr/notebooks), in
# our own code: per-element gradients, an element-wise loss, backward returning nothing, a step
# written as `self.w = self.w - learning_rate * self.grad`.
LAYERS_COURSE = """class multiplication_weight(object):
    def __init__(self, w):
        self.w = w

    def forward(self, x):
        self.last_input = x
        return x * self.w

    def backward(self, grad):
        self.grad = grad * self.last_input
        return self.w * grad

    def step(self, learning_rate):
        self.w = self.w - learning_rate * self.grad

class my_exp(object):
    def forward(self, x):
        self.last_output = np.exp(x)
        return np.exp(x)

    def backward(self, grad):
        return grad * self.last_output

    def step(self, learning_rate):
        pass
"""

COMPOSITION_COURSE = """class my_composition(object):
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        out = x
        for op in self.layers:
            out = op.forward(out)
        return out

    def compute_loss(self, y_est, y_target):
        self.dloss = 2 * (y_est - y_target)
        return (y_target - y_est) ** 2

    def backward(self):
        g = self.dloss
        for op in self.layers[::-1]:
            g = op.backward(g)

    def step(self, learning_rate):
        for op in self.layers:
            op.step(learning_rate)
"""

LAYERS_FRESH_ARRAYS = """class multiplication_weight(object):
    def __init__(self, w):
        self.w = float(w)

    def forward(self, x):
        self.x = x + 0.0                  # a fresh array (or number), never the caller's
        return self.x * self.w

    def backward(self, grad):
        self.grad = float(np.dot(np.ravel(grad), np.ravel(self.x)))
        return self.w * grad

    def step(self, learning_rate):
        self.w = self.w - learning_rate * self.grad


class my_exp(object):
    def forward(self, x):
        self.y = np.exp(x)
        return self.y + 0.0

    def backward(self, grad):
        local_derivative = self.y
        return local_derivative * grad

    def step(self, learning_rate):
        return
"""

COMPOSITION_ENUMERATE = """class my_composition(object):
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        self.activations = [x]
        for layer in self.layers:
            self.activations.append(layer.forward(self.activations[-1]))
        return self.activations[-1]

    def compute_loss(self, y_est, y_target):
        diff = y_est - y_target
        self.loss_gradient = 2 * diff
        if np.ndim(diff) == 0:
            return diff ** 2
        return np.sum(diff ** 2)

    def backward(self):
        grads = [self.loss_gradient]
        for layer in reversed(self.layers):
            grads.append(layer.backward(grads[-1]))
        return grads[-1]

    def step(self, learning_rate):
        for _, layer in enumerate(self.layers):
            layer.step(learning_rate)
"""

LAYERS_INPLACE_COPY = """class multiplication_weight(object):
    def __init__(self, w):
        self.w = w

    def forward(self, x):
        self.x = np.copy(x)
        result = np.copy(x)
        result *= self.w                  # in place on my own copy only
        return result if np.ndim(x) else float(result)

    def backward(self, grad):
        self.grad = np.sum(np.asarray(grad) * self.x)
        back = np.array(grad, dtype=float)
        back *= self.w
        return back if np.ndim(grad) else float(back)

    def step(self, learning_rate):
        self.w -= learning_rate * self.grad


class my_exp(object):
    def forward(self, x):
        result = np.array(x, dtype=float)
        np.exp(result, out=result)
        self.result = result.copy()
        return result if np.ndim(x) else float(result)

    def backward(self, grad):
        back = np.array(grad, dtype=float)
        back *= self.result
        return back if np.ndim(grad) else float(back)

    def step(self, learning_rate):
        pass
"""

# ----------------------------------------------------------------------------------------------
# real students' notebooks of the course's practical (Module2/02_backprop.ipynb of their forks of
# dataflowr/notebooks), adapted mechanically: their cells as they wrote them, their SGD loop of the
# "my_fit" cell wrapped into the notebook's train(model, xx, yy, learning_rate, n_iter, seed)
# with the same statements (their np.random.randint(1, len(xx)) kept: it never visits sample 0
# and ignores the seed, a correct SGD in another order).
# ----------------------------------------------------------------------------------------------

ABDESSALAM_LAYERS = """class multiplication_weight(object):
    def __init__(self, w):
        # initialize with a weight w
        self.w = w 
        
    def forward(self, x):
        # return the result of multiplying by weight
        self.valuex = x
        return self.w * x
               
    def backward(self,grad):
        # save the gradient and return the gradient backward
        self.grad = grad * self.valuex
        return self.grad
            
    def step(self, learning_rate):
        # update the weight
        self.w -= learning_rate * self.grad
        
class my_exp(object):
    # no parameter
    def forward(self, x):
        # return exp(x)
        self.expx = np.exp(x)
        return np.exp(x)
            
    def backward(self,grad):
        # return the gradient backward
        return grad * self.expx
            
    def step(self, learning_rate):
        # any parameter to update?
        # Hint https://docs.python.org/3/reference/simple_stmts.html#the-pass-statement
        pass
"""

ABDESSALAM_COMPOSITION = """class my_composition(object):
    def __init__(self, layers):
        # initialize with all the operations (called layers here!) in the right order...
        self.layers = layers
                
    def forward(self, x):
        # apply the forward method of each layer
        for layer in self.layers:
          x = layer.forward(x)
        return x

    def compute_loss(self, y_est, y_target):
        # use the L2 loss
        # return the loss and save the gradient of the loss
        loss = (y_est - y_target)**2
        self.grad = 2 * (y_est - y_target)
        return loss
            
    def backward(self):
        # apply backprop sequentially, starting from the gradient of the loss
        # Hint: https://docs.python.org/3/library/functions.html#reversed
        current_grad = self.grad
        for layer in reversed(self.layers):
          current_grad = layer.backward(current_grad)

    def step(self, learning_rate):
        # apply the step method of each layer
        for layer in self.layers:
          layer.step(learning_rate)        
"""

ABDESSALAM_TRAIN = """def train(model, xx, yy, learning_rate, n_iter, seed=0):
    losses =[]
    for i in range(n_iter):
        # take a random indice
        j = np.random.randint(1, len(xx))
        # compute the estimated value of y from xx[j] with the current values of the parameters
        y_est = model.forward(xx[j])
        # compute the loss and save it
        losss = model.compute_loss(y_est, yy[j])
        # update the parameters 
        model.backward()
        model.step(learning_rate)
        #and save them
        losses.append(losss)
    return losses
"""

ADRIEN_LAYERS = """class multiplication_weight(object):
    def __init__(self, w):
        self.w = w
        
    def forward(self, x):
        self.x = x
        return x * self.w
               
    def backward(self,grad):
        self.grad = grad * self.x
        return grad * self.x
                
    def step(self, learning_rate):
        # update the weight
        self.w -= learning_rate*self.grad   

class my_exp(object):
    # no parameter
    def forward(self, x):
        self.y = np.exp(x)
        return np.exp(x)
            
    def backward(self,grad):
        return self.y*grad
            
    def step(self, learning_rate):
        # any parameter to update?
        # Hint https://docs.python.org/3/reference/simple_stmts.html#the-pass-statement
        pass
"""

ADRIEN_COMPOSITION = """class my_composition(object):
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        # apply the forward method of each layer
        y = x
        for layer in self.layers:
            y = layer.forward(y)
        return y
            
    def compute_loss(self, y_est, y_target):
        # use the L2 loss
        # return the loss and save the gradient of the loss
        self.grad = 2*(y_est-y_target)
        return (y_est-y_target)**2
       
    def backward(self):
        for layer in reversed(self.layers):
            self.grad = layer.backward(self.grad)
            
        # apply backprop sequentially, starting from the gradient of the loss
        # Hint: https://docs.python.org/3/library/functions.html#reversed
            
    def step(self, learning_rate):
        # apply the step method of each layer
        for layer in self.layers:
            layer.step(learning_rate)
"""

ADRIEN_TRAIN = """def train(model, xx, yy, learning_rate, n_iter, seed=0):
    losses =[]
    for i in range(n_iter):
        # take a random indice
        j = np.random.randint(1, len(xx))
        # compute the estimated value of y from xx[j] with the current values of the parameters
        y_est = model.forward(xx[j])
        # compute the loss and save it
        losses.append(model.compute_loss(y_est,yy[j]))
        # update the parameters 
        model.backward()
        model.step(learning_rate=learning_rate)
    return losses
"""

JACHI_LAYERS = """class multiplication_weight(object):
    def __init__(self, w):
        # initialize with a weight w
        self.w = w

    def forward(self, x):
        # return the result of multiplying by weight
        return x*self.w

    def backward(self,grad):
        # save the gradient and return the gradient backward
        self.grad = grad
        return grad

    def step(self, learning_rate):
        # update the weight
        self.w -= learning_rate*self.grad

class my_exp(object):
    # no parameter
    def forward(self, x):
        # return exp(x)
        return np.exp(x)

    def backward(self,grad):
        # return the gradient backward
        return grad*np.exp(self.x)

    def step(self, learning_rate):
        # any parameter to update?
        # Hint https://docs.python.org/3/reference/simple_stmts.html#the-pass-statement
        #update paramters
        pass
"""

# The reference's layers, written out for the real students' correct composition cells (their own
# layers are wrong, see REAL_BUGS).
LAYERS_PLAIN = """class multiplication_weight(object):
    def __init__(self, w):
        self.w = w

    def forward(self, x):
        self.x = x
        return self.w * x

    def backward(self, grad):
        self.grad = np.sum(grad * self.x)
        return grad * self.w

    def step(self, learning_rate):
        self.w -= learning_rate * self.grad


class my_exp(object):
    def forward(self, x):
        self.y = np.exp(x)
        return self.y

    def backward(self, grad):
        return grad * self.y

    def step(self, learning_rate):
        pass
"""

CORRECT: list[Variant] = [
    Variant("loops_python_floats",
            cells=(("layers", LAYERS_LOOPS), ("composition", COMPOSITION_INDEX_LOOPS), ("train", TRAIN_NOTEBOOK_RULE)),
            description="style loops: element loops with np.ndindex and math.exp, Python floats for numbers, a copy "
                        "by np.array; index loops in my_composition (backward with range(n-1, -1, -1)), the summed "
                        "loss by an explicit loop; step as self.w = self.w - lr * grad; train with the notebook's "
                        "rule"),
    Variant("zero_d_arrays_recursive",
            cells=(("layers", LAYERS_ZERO_D), ("composition", COMPOSITION_RECURSIVE), ("train", TRAIN_INDICES_AT_ONCE)),
            description="style 0-d arrays: the weight and saved values as numpy arrays (0-d for numbers), copies by "
                        "np.array; recursive forward and backward; np.subtract / np.square loss; train draws all "
                        "the indices at once (the same draws as the notebook's rule)"),
    Variant("recompute_exp_reduce",
            cells=(("layers", LAYERS_RECOMPUTE), ("composition", COMPOSITION_REDUCE), ("train", TRAIN_WHILE_COPIES)),
            description="style: my_exp saves its input and recomputes exp in backward; copies with .copy(); "
                        "forward and backward with functools.reduce (backward over layers[::-1]); the loss as a "
                        "Python float; train copies xx and yy and loops with while, losses by .item()"),
    Variant("per_element_gradients",
            cells=(("layers", LAYERS_PER_ELEMENT), ("composition", COMPOSITION_PER_ELEMENT),
                   ("train", TRAIN_NOTEBOOK_RULE)),
            description="style per element (the notebook accepts it): self.grad = grad * x an array like x, step "
                        "sums it; the loss per element; backward returns nothing; train with the notebook's rule"),
    Variant("course_published_style",
            cells=(("layers", LAYERS_COURSE), ("composition", COMPOSITION_COURSE), ("train", TRAIN_NOTEBOOK_RULE)),
            description="style of the course's published solution (dataflowr/notebooks Module2/sol/"
                        "02_backprop_sol.ipynb) in our own code: per-element gradients, the element-wise loss "
                        "(y_target - y_est) ** 2, backward over layers[::-1] returning nothing, step as "
                        "self.w = self.w - lr * self.grad; train with the notebook's rule"),
    Variant("fresh_arrays_activations",
            cells=(("layers", LAYERS_FRESH_ARRAYS), ("composition", COMPOSITION_ENUMERATE),
                   ("train", TRAIN_NOTEBOOK_RULE)),
            description="style: fresh arrays by x + 0.0 (no copy call), the weight and grad as Python floats "
                        "(np.dot of the ravelled arrays); my_composition keeps every activation and every "
                        "gradient in lists; a number's loss without np.sum"),
    Variant("inplace_on_own_copies",
            cells=(("layers", LAYERS_INPLACE_COPY), ("composition", COMPOSITION_INDEX_LOOPS),
                   ("train", TRAIN_WHILE_COPIES)),
            description="style: in-place numpy (*=, np.exp(out=)) on its own np.copy of every input, Python floats "
                        "out for numbers; index loops in my_composition"),
    _other_order("permutation_epochs_other_order",
                 (("layers", LAYERS_PLAIN), ("composition", COMPOSITION_RECURSIVE), ("train", TRAIN_PERMUTATION)),
                 "style: train by epochs, a fresh rng.permutation of the samples per epoch (popped from the end)"),
    _other_order("legacy_randomstate_other_order",
                 (("layers", LAYERS_ZERO_D), ("composition", COMPOSITION_REDUCE), ("train", TRAIN_LEGACY_RANDOMSTATE)),
                 "style: train with numpy's legacy np.random.RandomState(seed).randint"),
    _other_order("python_random_other_order",
                 (("layers", LAYERS_RECOMPUTE), ("composition", COMPOSITION_ENUMERATE), ("train", TRAIN_PYTHON_RANDOM)),
                 "style: train with Python's random.Random(seed).randrange"),
    _other_order("real_abdessalam_eddib_composition_other_order",
                 (("layers", LAYERS_PLAIN), ("composition", ABDESSALAM_COMPOSITION), ("train", ABDESSALAM_TRAIN)),
                 "real student: my_composition and the SGD loop of abdessalam-eddib/deep_learning_polytechnique "
                 "(Module2/02_backprop.ipynb), the loop wrapped into train (np.random.randint(1, len(xx)), "
                 "losses as numpy floats, backward returns nothing, per-element loss); their layers are wrong "
                 "(see REAL_BUGS), the reference's layers here"),
    _other_order("real_adrien_c_lopez_composition_other_order",
                 (("layers", LAYERS_PLAIN), ("composition", ADRIEN_COMPOSITION), ("train", ADRIEN_TRAIN)),
                 "real student: my_composition and the SGD loop of adrien-c-lopez/notebooks "
                 "(Module2/02_backprop.ipynb), the loop wrapped into train (np.random.randint(1, len(xx)); "
                 "backward walks the gradient through self.grad); their layers are wrong (see REAL_BUGS), the "
                 "reference's layers here"),
]

REAL_BUGS: list[Variant] = [
    Variant("real_abdessalam_eddib",
            cells=(("layers", ABDESSALAM_LAYERS), ("composition", ABDESSALAM_COMPOSITION), ("train", ABDESSALAM_TRAIN)),
            targets=("test_backward_input_gradient", "test_contract", "test_train_replays_the_notebook_run"),
            max_other_failures=0,
            description="real student (abdessalam-eddib/deep_learning_polytechnique, Module2/02_backprop.ipynb): "
                        "multiplication_weight.backward returns self.grad = grad * x as d loss / d x (should be "
                        "grad * w); my_exp, my_composition correct; train is their loop (another sample order)"),
    Variant("real_adrien_c_lopez",
            cells=(("layers", ADRIEN_LAYERS), ("composition", ADRIEN_COMPOSITION), ("train", ADRIEN_TRAIN)),
            targets=("test_backward_input_gradient", "test_contract", "test_train_replays_the_notebook_run"),
            max_other_failures=0,
            description="real student (adrien-c-lopez/notebooks, Module2/02_backprop.ipynb): "
                        "multiplication_weight.backward returns grad * self.x as d loss / d x (should be grad * w); "
                        "my_exp, my_composition correct; train is their loop (another sample order)"),
    Variant("real_jachi9_layers",
            cells=(("layers", JACHI_LAYERS),),
            targets=("test_backward_input_gradient", "test_parameter_gradient", "test_parameter_gradient_on_array",
                     "test_step_without_parameter", "test_contract", "test_end_to_end"),
            max_other_failures=0,
            description="real student (Jachi9/cluster-guide, Module2/02_backprop.ipynb at fb77201, unfinished: "
                        "their my_composition and loop are empty, the reference's here): "
                        "multiplication_weight.backward stores grad as d loss / d w and returns grad as d loss / d x "
                        "(both miss a factor: x and w); my_exp.backward uses self.x, never set (AttributeError)"),
]
