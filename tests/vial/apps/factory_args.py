from vial import Vial


def create_app(config_name: str) -> Vial:
    return Vial(config_name)
