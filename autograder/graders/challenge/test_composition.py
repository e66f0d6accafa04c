"""my_composition through the challenge's chains of the student's layers."""
from autograder.graders.composition_checks import *  # noqa: F401,F403 (the shared checks, collected here)
from autograder.graders.composition_checks import parametrize_chains
from autograder.graders.layer_specs import ADD_BIAS, MULTIPLICATION_WEIGHT, MY_COS, MY_EXP

CHAINS = {
    "challenge": [MULTIPLICATION_WEIGHT, MY_COS, MULTIPLICATION_WEIGHT, ADD_BIAS, MY_EXP],
    "cos_twice": [MY_COS, MULTIPLICATION_WEIGHT, MY_COS, ADD_BIAS, MY_EXP],
}


def pytest_generate_tests(metafunc):
    parametrize_chains(metafunc, CHAINS, step_chain="challenge")
