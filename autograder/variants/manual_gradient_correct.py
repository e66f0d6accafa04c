'''Correct ways of writing the manual gradient notebook, as different students would from its
text: each must get full marks on every student id (benchmarks/sweep.py checks it).

Each student below is a set of whole solution cells, one per function, picked from the styles
written out here: loops over samples or vectorised numpy; floats, 0-d arrays or arrays of shape
(1,) for b where the notebook allows more than one; copies by np.array, .copy(), torch.clone,
.detach().clone() or fresh arrays without copying; updates under torch.no_grad(), through .data,
or by an optimizer; nn.Linear or a module of one's own; lstsq, the normal equations or a
pseudo-inverse; several valid step sizes; and the course's own published style (dataflowr's
Module 2, "02b_linear_reg": per-sample loops with np.add, x.mm(w) + b, nn.Sequential with .data).'''
from . import Variant

MAKE_DIFFERENTIABLE = {
    "to_clone": "def make_differentiable(t):\n    return t.to(torch.float64).clone().requires_grad_(True)\n",
    "from_list": "def make_differentiable(t):\n"
                 "    return torch.tensor(t.tolist(), dtype=torch.float64, requires_grad=True)\n",
    "double_detach": "def make_differentiable(t):\n    new = t.double().detach().clone()\n"
                     "    new.requires_grad = True\n    return new\n",
    "torch_clone": "def make_differentiable(t):\n    return torch.clone(t).to(dtype=torch.float64).requires_grad_()\n",
    "numpy_round_trip": "def make_differentiable(t):\n    values = np.array(t.numpy(), dtype=np.float64)\n"
                        "    return torch.from_numpy(values).requires_grad_(True)\n",
}

ACCUMULATED_GRADS = {
    "item": ("def accumulated_grads(w, b, x, y_star):\n"
             "    w_t = torch.tensor(w, dtype=torch.float64, requires_grad=True)\n"
             "    b_t = torch.tensor(b, dtype=torch.float64, requires_grad=True)\n"
             "    loss = (torch.exp(w_t * x + b_t) - y_star) ** 2\n"
             "    loss.backward(retain_graph=True)\n"
             "    loss.backward()\n"
             "    return w_t.grad.item(), b_t.grad.item()\n"),
    "course_one_element": ("def accumulated_grads(w, b, x, y_star):\n"
                           "    # as in the course: tensors of one element\n"
                           "    w = torch.tensor([w], requires_grad=True)\n"
                           "    b = torch.tensor([b], requires_grad=True)\n"
                           "    x = torch.tensor([x])\n"
                           "    y_star = torch.tensor([y_star])\n"
                           "    loss = (torch.exp(w * x + b) - y_star) ** 2\n"
                           "    loss.backward(retain_graph=True)\n"
                           "    loss.backward()\n"
                           "    return float(w.grad[0]), float(b.grad[0])\n"),
    "loop_twice": ("def accumulated_grads(w, b, x, y_star):\n"
                   "    w_t = torch.tensor(float(w)).requires_grad_()\n"
                   "    b_t = torch.tensor(float(b)).requires_grad_()\n"
                   "    loss = torch.pow(torch.exp(w_t * torch.tensor(float(x)) + b_t) - float(y_star), 2)\n"
                   "    for call in range(2):\n"
                   "        loss.backward(retain_graph=(call == 0))\n"
                   "    return float(w_t.grad), float(b_t.grad)\n"),
}

MANUAL_GRADIENT = {
    "vectorised": ("def manual_gradient(w, b, x, y_star):\n"
                   "    x = np.asarray(x, dtype=float)\n"
                   "    e = np.exp(w * x + b)\n"
                   "    common = 2 * (e - y_star) * e\n"
                   "    return float(np.sum(common * x)), float(np.sum(common))\n"),
    "loop": ("import math\n\n\n"
             "def manual_gradient(w, b, x, y_star):\n"
             "    xs = np.ravel(np.asarray(x, dtype=float))\n"
             "    ys = np.ravel(np.asarray(y_star, dtype=float))\n"
             "    dl_dw, dl_db = 0.0, 0.0\n"
             "    for x_i, y_i in zip(xs, ys):\n"
             "        e = math.exp(w * x_i + b)\n"
             "        dl_dw += 2 * (e - y_i) * e * x_i\n"
             "        dl_db += 2 * (e - y_i) * e\n"
             "    return dl_dw, dl_db\n"),
    "course_formula": ("def manual_gradient(w, b, x, y_star):\n"
                       "    dl_dw = 2 * (np.exp(w * x + b) - y_star) * np.exp(w * x + b) * x\n"
                       "    dl_db = 2 * (np.exp(w * x + b) - y_star) * np.exp(w * x + b)\n"
                       "    return np.sum(dl_dw), np.sum(dl_db)\n"),
}

NUMPY_GD = {
    "vectorised_copy": (
        "def gradient(x, y, w, b):\n"
        "    residual = x @ w + b - y\n"
        "    grad_b = 2 * residual.sum()\n"
        "    if np.ndim(b) > 0:\n"
        "        grad_b = np.full(np.shape(b), grad_b)\n"
        "    return 2 * x.T @ residual, grad_b\n\n\n"
        "def fit_numpy(x, y, w_init, b_init, learning_rate, epochs):\n"
        "    w, b = w_init.copy(), b_init.copy()\n"
        "    for _ in range(epochs):\n"
        "        grad_w, grad_b = gradient(x, y, w, b)\n"
        "        w -= learning_rate * grad_w\n"
        "        b -= learning_rate * grad_b\n"
        "    return w, b\n"),
    "loop_samples": (
        "def gradient(x, y, w, b):\n"
        "    grad_w = np.zeros(len(w))\n"
        "    grad_b = np.zeros(np.shape(b))\n"
        "    for x_t, y_t in zip(x, y):\n"
        "        error = np.dot(w, x_t) + b - y_t\n"
        "        grad_w = grad_w + 2 * x_t * error\n"
        "        grad_b = grad_b + 2 * error\n"
        "    return grad_w, (grad_b if np.ndim(b) else float(grad_b))\n\n\n"
        "def fit_numpy(x, y, w_init, b_init, learning_rate, epochs):\n"
        "    w = np.array(w_init, dtype=np.float64)\n"
        "    b = np.array(b_init, dtype=np.float64)\n"
        "    for epoch in range(epochs):\n"
        "        grad_w, grad_b = gradient(x, y, w, b)\n"
        "        w = w - learning_rate * grad_w\n"
        "        b = b - learning_rate * grad_b\n"
        "    return w, b\n"),
    "course_np_add": (
        "def gradient(x, y, w, b):\n"
        "    # the course's loop: per-sample gradients added up with np.add\n"
        "    grad_w = np.zeros_like(w, dtype=float)\n"
        "    grad_b = np.zeros_like(b, dtype=float)\n"
        "    for x_val, y_val in zip(x, y):\n"
        "        grad_w = np.add(grad_w, 2 * (x_val.dot(w) + b - y_val) * x_val)\n"
        "        grad_b = np.add(grad_b, 2 * (x_val.dot(w) + b - y_val))\n"
        "    return grad_w, grad_b\n\n\n"
        "def fit_numpy(x, y, w_init, b_init, learning_rate, epochs):\n"
        "    w = w_init\n"
        "    b = b_init\n"
        "    for epoch in range(epochs):\n"
        "        grad_w, grad_b = gradient(x, y, w, b)\n"
        "        w = w - learning_rate * grad_w\n"
        "        b = b - learning_rate * grad_b\n"
        "    return w, b\n"),
    "zero_d_bias": (
        "def gradient(x, y, w, b):\n"
        "    r = np.dot(x, w) + b - y\n"
        "    # a 0-d array for a float b (shape ()), shape (1,) for an array b: the shape of b\n"
        "    return 2 * np.dot(r, x), np.reshape(2 * np.sum(r), np.shape(b))\n\n\n"
        "def fit_numpy(x, y, w_init, b_init, learning_rate, epochs):\n"
        "    w = np.copy(w_init).astype(float)\n"
        "    b = np.copy(b_init).astype(float)\n"
        "    step = 0\n"
        "    while step < epochs:\n"
        "        g_w, g_b = gradient(x, y, w, b)\n"
        "        w, b = w - learning_rate * g_w, b - learning_rate * g_b\n"
        "        step += 1\n"
        "    return w, b\n"),
    "einsum_float_inside": (
        "def gradient(x, y, w, b):\n"
        "    residual = np.einsum('nd,d->n', x, w) + b - y\n"
        "    grad_w = 2 * np.einsum('nd,n->d', x, residual)\n"
        "    grad_b = 2 * residual.sum()\n"
        "    return grad_w, grad_b * np.ones(np.shape(b)) if np.ndim(b) else grad_b\n\n\n"
        "def fit_numpy(x, y, w_init, b_init, learning_rate, epochs):\n"
        "    # b is kept as a float while training, and returned with the shape of b_init\n"
        "    w, b = np.array(w_init, dtype=float), float(np.sum(b_init))\n"
        "    for _ in range(epochs):\n"
        "        grad_w, grad_b = gradient(x, y, w, b)\n"
        "        w = w - learning_rate * grad_w\n"
        "        b = b - learning_rate * float(grad_b)\n"
        "    return w, np.full(np.shape(b_init), b)\n"),
}

GRADIENT_T = {
    "mm": ("def gradient_t(x_t, y_t, w_t, b_t):\n"
           "    residual = x_t.mm(w_t) + b_t - y_t\n"
           "    return 2 * x_t.t().mm(residual), 2 * residual.sum(dim=0, keepdim=True)\n"),
    "course": ("def gradient_t(x_t, y_t, w_t, b_t):\n"
               "    return (2 * torch.mm(torch.t(x_t), x_t.mm(w_t) + b_t - y_t),\n"
               "            2 * (x_t.mm(w_t) + b_t - y_t).sum().reshape(b_t.shape))\n"),
    "matmul_T": ("def gradient_t(x_t, y_t, w_t, b_t):\n"
                 "    r = x_t @ w_t + b_t - y_t\n"
                 "    grad_w = 2 * torch.matmul(x_t.T, r)\n"
                 "    grad_b = 2 * torch.sum(r).view(1, 1)\n"
                 "    return grad_w, grad_b\n"),
    "loop_rows": ("def gradient_t(x_t, y_t, w_t, b_t):\n"
                  "    grad_w = torch.zeros_like(w_t)\n"
                  "    grad_b = torch.zeros_like(b_t)\n"
                  "    for i in range(x_t.shape[0]):\n"
                  "        row = x_t[i:i + 1]\n"
                  "        error = row.mm(w_t) + b_t - y_t[i:i + 1]\n"
                  "        grad_w += 2 * row.t() * error\n"
                  "        grad_b += 2 * error\n"
                  "    return grad_w, grad_b\n"),
    "columns": ("def gradient_t(x_t, y_t, w_t, b_t):\n"
                "    r = (x_t.mm(w_t) + b_t - y_t).squeeze(1)\n"
                "    grad_w = torch.stack([2 * (r * x_t[:, j]).sum() for j in range(x_t.shape[1])])\n"
                "    return grad_w.unsqueeze(1), (2 * r.sum()).reshape(1, 1)\n"),
}

FIT_AUTOGRAD = {
    "no_grad_none": ("def fit_autograd(x_t, y_t, w_init, b_init, learning_rate, epochs):\n"
                     "    w = w_init.detach().clone().requires_grad_(True)\n"
                     "    b = b_init.detach().clone().requires_grad_(True)\n"
                     "    for _ in range(epochs):\n"
                     "        loss = ((x_t @ w + b - y_t) ** 2).sum()\n"
                     "        loss.backward()\n"
                     "        with torch.no_grad():\n"
                     "            w -= learning_rate * w.grad\n"
                     "            b -= learning_rate * b.grad\n"
                     "        w.grad = None\n"
                     "        b.grad = None\n"
                     "    return w.detach(), b.detach()\n"),
    "course": ("def fit_autograd(x_t, y_t, w_init, b_init, learning_rate, epochs):\n"
               "    w_v = w_init.clone()\n"
               "    w_v.requires_grad_(True)\n"
               "    b_v = b_init.clone()\n"
               "    b_v.requires_grad_(True)\n"
               "    for epoch in range(epochs):\n"
               "        y_pred = x_t.mm(w_v) + b_v\n"
               "        loss = (y_pred - y_t).pow(2).sum()\n"
               "        loss.backward()\n"
               "        with torch.no_grad():\n"
               "            w_v -= learning_rate * w_v.grad\n"
               "            b_v -= learning_rate * b_v.grad\n"
               "        w_v.grad.zero_()\n"
               "        b_v.grad.zero_()\n"
               "    return w_v.data, b_v.data\n"),
    "data_updates": ("def fit_autograd(x_t, y_t, w_init, b_init, learning_rate, epochs):\n"
                     "    w = torch.clone(w_init).detach()\n"
                     "    b = torch.clone(b_init).detach()\n"
                     "    w.requires_grad = True\n"
                     "    b.requires_grad = True\n"
                     "    for _ in range(epochs):\n"
                     "        loss = torch.sum((torch.mm(x_t, w) + b - y_t) ** 2)\n"
                     "        loss.backward()\n"
                     "        w.data -= learning_rate * w.grad.data\n"
                     "        b.data -= learning_rate * b.grad.data\n"
                     "        w.grad.data.zero_()\n"
                     "        b.grad.data.zero_()\n"
                     "    return w.detach().clone(), b.detach().clone()\n"),
    "optimizer": ("def fit_autograd(x_t, y_t, w_init, b_init, learning_rate, epochs):\n"
                  "    w = w_init.detach().clone().requires_grad_()\n"
                  "    b = b_init.detach().clone().requires_grad_()\n"
                  "    optimizer = torch.optim.SGD([w, b], lr=learning_rate)\n"
                  "    for _ in range(epochs):\n"
                  "        optimizer.zero_grad()\n"
                  "        loss = (x_t.mm(w) + b - y_t).pow(2).sum()\n"
                  "        loss.backward()\n"
                  "        optimizer.step()  # the update runs under torch.no_grad()\n"
                  "    return w.detach(), b.detach()\n"),
}

FIT_NN = {
    "linear_copy": ("def fit_nn(x_t, y_t, w_init, b_init, learning_rate, epochs):\n"
                    "    model = nn.Linear(x_t.shape[1], 1)\n"
                    "    with torch.no_grad():\n"
                    "        model.weight.copy_(w_init.t())\n"
                    "        model.bias.copy_(b_init.view(-1))\n"
                    "    loss_fn = nn.MSELoss(reduction='sum')\n"
                    "    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)\n"
                    "    for _ in range(epochs):\n"
                    "        loss = loss_fn(model(x_t), y_t)\n"
                    "        optimizer.zero_grad()\n"
                    "        loss.backward()\n"
                    "        optimizer.step()\n"
                    "    return model\n"),
    "course_sequential": ("def fit_nn(x_t, y_t, w_init, b_init, learning_rate, epochs):\n"
                          "    model = torch.nn.Sequential(torch.nn.Linear(x_t.shape[1], 1))\n"
                          "    for m in model.children():\n"
                          "        m.weight.data = w_init.clone().t()\n"
                          "        m.bias.data = b_init.clone().reshape(1)\n"
                          "    loss_fn = torch.nn.MSELoss(reduction='sum')\n"
                          "    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)\n"
                          "    model.train()\n"
                          "    for epoch in range(epochs):\n"
                          "        y_pred = model(x_t)\n"
                          "        loss = loss_fn(y_pred, y_t)\n"
                          "        model.zero_grad()\n"
                          "        loss.backward()\n"
                          "        optimizer.step()\n"
                          "    return model\n"),
    "parameters_assigned": ("def fit_nn(x_t, y_t, w_init, b_init, learning_rate, epochs):\n"
                            "    d = x_t.size(1)\n"
                            "    model = nn.Linear(d, 1, dtype=torch.float64)\n"
                            "    model.weight = nn.Parameter(w_init.detach().clone().reshape(1, d))\n"
                            "    model.bias = nn.Parameter(b_init.detach().clone().flatten())\n"
                            "    criterion = nn.MSELoss(reduction='sum')\n"
                            "    opt = torch.optim.SGD(model.parameters(), lr=learning_rate)\n"
                            "    for _ in range(epochs):\n"
                            "        opt.zero_grad()\n"
                            "        criterion(model(x_t), y_t).backward()\n"
                            "        opt.step()\n"
                            "    return model\n"),
    "own_module": ("class LinearModel(nn.Module):\n"
                   "    def __init__(self, w, b):\n"
                   "        super().__init__()\n"
                   "        self.w = nn.Parameter(w.detach().clone())\n"
                   "        self.b = nn.Parameter(b.detach().clone())\n\n"
                   "    def forward(self, x):\n"
                   "        return x.mm(self.w) + self.b\n\n\n"
                   "def fit_nn(x_t, y_t, w_init, b_init, learning_rate, epochs):\n"
                   "    model = LinearModel(w_init, b_init)\n"
                   "    loss_fn = nn.MSELoss(reduction='sum')\n"
                   "    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)\n"
                   "    for _ in range(epochs):\n"
                   "        optimizer.zero_grad()\n"
                   "        loss_fn(model(x_t), y_t).backward()\n"
                   "        optimizer.step()\n"
                   "    return model\n"),
    "manual_step": ("def fit_nn(x_t, y_t, w_init, b_init, learning_rate, epochs):\n"
                    "    model = nn.Sequential(nn.Linear(x_t.shape[1], 1))\n"
                    "    with torch.no_grad():\n"
                    "        model[0].weight[:] = w_init.reshape(1, -1)\n"
                    "        model[0].bias[:] = b_init.reshape(-1)\n"
                    "    loss_fn = nn.MSELoss(reduction='sum')\n"
                    "    for _ in range(epochs):\n"
                    "        model.zero_grad()\n"
                    "        loss_fn(model(x_t), y_t).backward()\n"
                    "        with torch.no_grad():\n"
                    "            for param in model.parameters():\n"
                    "                param -= learning_rate * param.grad\n"
                    "    return model\n"),
}

FIT_LSTSQ = {
    "lstsq_ones_last": ("def fit_lstsq(x_t, y_t):\n"
                        "    design = torch.cat([x_t, torch.ones_like(y_t)], dim=1)\n"
                        "    theta = torch.linalg.lstsq(design, y_t).solution\n"
                        "    return theta[:-1], theta[-1:].reshape(1, 1)\n"),
    "lstsq_ones_first": ("def fit_lstsq(x_t, y_t):\n"
                         "    ones = torch.ones(x_t.shape[0], 1, dtype=x_t.dtype)\n"
                         "    theta = torch.linalg.lstsq(torch.hstack((ones, x_t)), y_t).solution\n"
                         "    return theta[1:], theta[:1]\n"),
    "normal_equations": ("def fit_lstsq(x_t, y_t):\n"
                         "    a = torch.cat([x_t, torch.ones(len(x_t), 1, dtype=torch.float64)], 1)\n"
                         "    theta = torch.linalg.solve(a.t() @ a, a.t() @ y_t)\n"
                         "    d = x_t.shape[1]\n"
                         "    return theta[:d].clone(), theta[d:].clone()\n"),
    "pinv": ("def fit_lstsq(x_t, y_t):\n"
             "    a = torch.column_stack([x_t, torch.ones(x_t.shape[0], dtype=x_t.dtype)])\n"
             "    theta = torch.linalg.pinv(a) @ y_t\n"
             "    return theta[:-1], theta[-1].view(1, 1)\n"),
    "inverse": ("def fit_lstsq(x_t, y_t):\n"
                "    n = x_t.shape[0]\n"
                "    a = torch.cat((x_t, torch.ones((n, 1))), dim=1)\n"
                "    theta = torch.inverse(a.T.mm(a)).mm(a.T).mm(y_t)\n"
                "    w, b = theta[:-1, :], theta[-1:, :]\n"
                "    return w, b\n"),
}

LEARNING_RATE_FOR = {
    "0.3/n": "def learning_rate_for(n_samples):\n    return 0.3 / n_samples\n",
    "course_scaled": ("def learning_rate_for(n_samples):\n"
                      "    # 1e-2 works for 30 samples: keep learning_rate * n_samples the same\n"
                      "    return 1e-2 * 30 / n_samples\n"),
    "quarter": "def learning_rate_for(n_samples):\n    return 1 / (4 * n_samples)\n",
    "tenth": "def learning_rate_for(n_samples):\n    return 0.1 / n_samples\n",
    "d_plus_one": ("def learning_rate_for(n_samples):\n"
                   "    d = 2  # two features and the bias: curvature at most about 2 * n * (d + 1) / 2\n"
                   "    return 1.0 / (n_samples * (d + 1))\n"),
    "mean_equivalent": ("def learning_rate_for(n_samples):\n"
                        "    mean_loss_rate = 0.2  # a good step for the mean of the squared errors\n"
                        "    return mean_loss_rate / n_samples\n"),
}

CELLS = {"make_differentiable": MAKE_DIFFERENTIABLE, "accumulated_grads": ACCUMULATED_GRADS,
         "manual_gradient": MANUAL_GRADIENT, "numpy_gd": NUMPY_GD, "gradient_t": GRADIENT_T,
         "fit_autograd": FIT_AUTOGRAD, "fit_nn": FIT_NN, "fit_lstsq": FIT_LSTSQ,
         "learning_rate_for": LEARNING_RATE_FOR}


def student(name: str, description: str, **styles: str) -> Variant:
    """A student who wrote every solution cell, each in the named style."""
    missing = set(CELLS) - set(styles)
    if missing:
        raise ValueError(f"{name}: no style for {sorted(missing)}")
    return Variant(name, cells=tuple((cell, CELLS[cell][style]) for cell, style in styles.items()),
                   description=description)


CORRECT = [
    student("course_style", "style: the course's published notebook (per-sample np.add loops, x.mm(w) + b, "
            "nn.Sequential with .data, w_v.grad.zero_() outside no_grad, lr scaled from 1e-2 at 30 samples)",
            make_differentiable="to_clone", accumulated_grads="course_one_element", manual_gradient="course_formula",
            numpy_gd="course_np_add", gradient_t="course", fit_autograd="course", fit_nn="course_sequential",
            fit_lstsq="lstsq_ones_last", learning_rate_for="course_scaled"),
    student("loops_everywhere", "style: loops over samples and entries, copies with np.array, grad = None",
            make_differentiable="from_list", accumulated_grads="loop_twice", manual_gradient="loop",
            numpy_gd="loop_samples", gradient_t="loop_rows", fit_autograd="no_grad_none", fit_nn="linear_copy",
            fit_lstsq="normal_equations", learning_rate_for="quarter"),
    student("vectorised_copy", "style: vectorised numpy, .copy() and in-place updates of its own copies, "
            ".data updates, lstsq with the ones first",
            make_differentiable="double_detach", accumulated_grads="item", manual_gradient="vectorised",
            numpy_gd="vectorised_copy", gradient_t="matmul_T", fit_autograd="data_updates",
            fit_nn="parameters_assigned", fit_lstsq="lstsq_ones_first", learning_rate_for="tenth"),
    student("zero_d_bias", "style: 0-d arrays for a float b, np.copy, a while loop, an optimizer for autograd, "
            "a module of its own for fit_nn, pinv",
            make_differentiable="torch_clone", accumulated_grads="item", manual_gradient="vectorised",
            numpy_gd="zero_d_bias", gradient_t="columns", fit_autograd="optimizer", fit_nn="own_module",
            fit_lstsq="pinv", learning_rate_for="d_plus_one"),
    student("float_bias_inside", "style: einsum, b a float while training (returned as b_init's shape), "
            "torch.inverse of the normal equations, a manual step on nn parameters",
            make_differentiable="numpy_round_trip", accumulated_grads="loop_twice", manual_gradient="loop",
            numpy_gd="einsum_float_inside", gradient_t="mm", fit_autograd="no_grad_none", fit_nn="manual_step",
            fit_lstsq="inverse", learning_rate_for="mean_equivalent"),
    student("course_numpy_modern_torch", "style: the course's numpy loop with modern torch (optimizer, nn.Linear)",
            make_differentiable="double_detach", accumulated_grads="course_one_element", manual_gradient="loop",
            numpy_gd="course_np_add", gradient_t="mm", fit_autograd="optimizer", fit_nn="linear_copy",
            fit_lstsq="pinv", learning_rate_for="0.3/n"),
    student("loops_and_own_module", "style: per-sample numpy loops, torch loops over rows, own nn.Module",
            make_differentiable="torch_clone", accumulated_grads="item", manual_gradient="course_formula",
            numpy_gd="loop_samples", gradient_t="loop_rows", fit_autograd="data_updates", fit_nn="own_module",
            fit_lstsq="lstsq_ones_first", learning_rate_for="course_scaled"),
    student("zero_d_with_course_torch", "style: 0-d b in numpy, the course's torch code for gradient_t, "
            "fit_autograd and fit_nn",
            make_differentiable="from_list", accumulated_grads="loop_twice", manual_gradient="vectorised",
            numpy_gd="zero_d_bias", gradient_t="course", fit_autograd="course", fit_nn="course_sequential",
            fit_lstsq="normal_equations", learning_rate_for="tenth"),
    student("einsum_columns", "style: einsum in numpy, a column at a time in torch, nn.Parameter assignment",
            make_differentiable="to_clone", accumulated_grads="course_one_element", manual_gradient="course_formula",
            numpy_gd="einsum_float_inside", gradient_t="columns", fit_autograd="no_grad_none",
            fit_nn="parameters_assigned", fit_lstsq="inverse", learning_rate_for="quarter"),
    student("copy_inplace_manual_nn", "style: .copy() with in-place updates, matmul and .T, manual nn step",
            make_differentiable="numpy_round_trip", accumulated_grads="item", manual_gradient="loop",
            numpy_gd="vectorised_copy", gradient_t="matmul_T", fit_autograd="course", fit_nn="manual_step",
            fit_lstsq="lstsq_ones_last", learning_rate_for="d_plus_one"),
    student("mixed_optimizer", "style: np.array copies, the optimizer for fit_autograd, lstsq ones first",
            make_differentiable="double_detach", accumulated_grads="loop_twice", manual_gradient="vectorised",
            numpy_gd="loop_samples", gradient_t="course", fit_autograd="optimizer", fit_nn="linear_copy",
            fit_lstsq="lstsq_ones_first", learning_rate_for="mean_equivalent"),
]
