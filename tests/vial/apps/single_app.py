from vial import Vial

only_one = Vial("single_app")
