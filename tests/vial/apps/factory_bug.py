from vial import Vial


def create_app() -> Vial:
    return Vial(undefined_name=True)  # type: ignore[call-arg]
