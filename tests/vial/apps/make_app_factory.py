from vial import Vial


def make_app() -> Vial:
    return Vial("make_app_factory")
