"""The demo office's fixed frame: code tables, the org tree, dealers, teams and staff."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict

from app.security.fields import cipher
from app.services.demo import catalog as cat
from app.services.demo.values import VIN_CHARS, Ids, Weighted, mobile_number, person_name


class City:
    __slots__ = ("id", "name", "short", "plate", "region4", "branches", "handlers", "plates", "ev_plates",
                 "plate_offset", "ev_plate_offset")


class Branch:
    __slots__ = ("id", "code", "name", "district", "region", "weight", "city", "agents", "agent_pick",
                 "dealers", "teams")


class Team:
    __slots__ = ("id", "branch", "agents")


class Agent:
    __slots__ = ("id", "team", "branch")


class Dealer:
    __slots__ = ("id", "maker", "city", "branch")


class Car:
    __slots__ = ("brand", "maker", "wmi", "models")


class World:
    """Everything that is not per customer: codes, org tree, dealers, teams and staff."""

    def __init__(self, rng: random.Random, ids: Ids, admin_username: str, admin_password_hash: str):
        self.rng = rng
        self.ids = ids
        self.rows: dict[str, list] = defaultdict(list)
        self.team_heads: list[tuple[int, int, int]] = []
        self._codes()
        self._orgs()
        self._cars()
        self._dealers()
        self._staff(admin_username, admin_password_hash)

    def _codes(self) -> None:
        self.code: dict[str, dict[str, int]] = {}
        tables = [("channel", cat.CHANNELS), ("customer_group", cat.CUSTOMER_GROUPS),
                  ("insurer", [cat.SELF_INSURER, *cat.COMPETITORS]), ("lapse_reason", cat.LAPSE_REASONS)]
        for kind, items in tables:
            self.code[kind] = {}
            for sort, (code, name) in enumerate(items, start=1):
                item_id = self.ids("code_items")
                self.code[kind][code] = item_id
                self.rows["code_items"].append((item_id, kind, code, name, sort, True,
                                                kind == "insurer" and code == cat.SELF_INSURER[0]))
        self.self_insurer = self.code["insurer"][cat.SELF_INSURER[0]]
        self.competitors = Weighted([self.code["insurer"][c] for c, _ in cat.COMPETITORS],
                                    cat.COMPETITOR_WEIGHTS)

    def _orgs(self) -> None:
        company_id = self.ids("org_units")
        self.company_id = company_id
        self.rows["org_units"].append((company_id, cat.COMPANY[0], cat.COMPANY[1], "company", None,
                                       f"/{company_id}/", True))
        self.cities: list[City] = []
        self.branches: list[Branch] = []
        for code, org_name, city_name, plate, branches in cat.CITIES:
            city = City()
            city.id, city.name, city.short, city.plate = self.ids("org_units"), city_name, city_name[:-1], plate
            city.region4, city.branches, city.handlers = branches[0][3][:4], [], []
            # Per-city counters: plates are a permutation of the counter, so unique without a lookup set.
            city.plates, city.ev_plates = itertools.count(), itertools.count()
            city.plate_offset, city.ev_plate_offset = self.rng.randrange(580_000), self.rng.randrange(200_000)
            city_path = f"/{company_id}/{city.id}/"
            self.rows["org_units"].append((city.id, code, org_name, "city", company_id, city_path, True))
            self.cities.append(city)
            for b_code, b_name, district, region, weight in branches:
                branch = Branch()
                branch.id, branch.code, branch.name, branch.district = self.ids("org_units"), b_code, b_name, district
                branch.region, branch.weight, branch.city = region, weight, city
                branch.agents, branch.dealers, branch.teams = [], [], []
                self.rows["org_units"].append((branch.id, b_code, b_name, "branch", city.id,
                                               f"{city_path}{branch.id}/", True))
                city.branches.append(branch)
                self.branches.append(branch)
        self.branch_pick = Weighted(self.branches, [b.weight for b in self.branches])

    def _cars(self) -> None:
        rng = self.rng
        self.cars: list[Car] = []
        for brand, maker, wmi, models, _weight in cat.CARS:
            car = Car()
            car.brand, car.maker, car.wmi = brand, maker, wmi
            # Positions 4-8 of a VIN describe the model: one fixed descriptor per model looks real.
            car.models = [(name, lo, hi, seats, ev,
                           "".join(rng.choice(VIN_CHARS) for _ in range(4)) + str(rng.randrange(10)))
                          for name, lo, hi, seats, ev in models]
            self.cars.append(car)
        self.car_pick = Weighted(self.cars, [c[4] for c in cat.CARS])
        # VIN serials are an affine permutation of the vehicle id (unique without a lookup set);
        # the seeded offset makes each seed's serials its own.
        self.vin_offset = rng.randrange(1_000_000)
        self.car_by_maker = {car.maker: car for car in self.cars}

    def _dealers(self) -> None:
        rng = self.rng
        self.dealers: list[Dealer] = []
        total_weight = sum(b.weight for b in self.branches)
        for branch in self.branches:
            count = max(2, round(40 * branch.weight / total_weight))
            makers = rng.sample(cat.DEALER_MAKERS, count)
            groups = rng.sample(cat.DEALER_GROUPS, count)
            for maker, group in zip(makers, groups, strict=True):
                dealer = Dealer()
                dealer.id, dealer.maker, dealer.city, dealer.branch = self.ids("dealers"), maker, branch.city, branch
                street = rng.choice(cat.STREETS[branch.city.name])
                self.rows["dealers"].append((
                    dealer.id, f"D{branch.code[2:]}{len(branch.dealers) + 1:02d}",
                    f"{branch.city.short}{group}{maker}4S店", maker, branch.city.id, branch.id,
                    f"{cat.PROVINCE}{branch.city.name}{branch.district}{street}{rng.randrange(1, 400)}号",
                    rng.random() < 0.9, True))
                branch.dealers.append(dealer)
                self.dealers.append(dealer)
        # Repairs go to a dealer of the car's maker in the car's city, when there is one.
        self.repairers: dict[tuple[str, int], list[Dealer]] = defaultdict(list)
        for dealer in self.dealers:
            self.repairers[(dealer.maker, dealer.city.id)].append(dealer)

    def _staff(self, admin_username: str, admin_password_hash: str) -> None:
        rng = self.rng
        self._person("admin", self.company_id, username=admin_username, password_hash=admin_password_hash)
        for city in self.cities:
            for _ in range(2):
                city.handlers.append(self._person("claims_handler", city.id))
        numerals = "一二三四五六七八九十"
        self.teams: list[Team] = []
        for branch in self.branches:
            self._person("branch_manager", branch.id)
            team_count = 3 + rng.randrange(3)
            supervisors = [self._person("supervisor", branch.id) for _ in range(1 if team_count <= 3 else 2)]
            weights = []
            for k in range(team_count):
                team = Team()
                team.id, team.branch, team.agents = self.ids("teams"), branch, []
                self.rows["teams"].append((team.id, f"{branch.code}T{k + 1}", f"{branch.name[:-3]}营业{numerals[k]}部",
                                           branch.id, True))
                manager = self._person("team_manager", branch.id, team.id)
                self.team_heads.append((manager, supervisors[k * len(supervisors) // team_count], team.id))
                for _ in range(4 + rng.randrange(3)):
                    agent = Agent()
                    agent.id, agent.team, agent.branch = self._person("agent", branch.id, team.id), team, branch
                    team.agents.append(agent)
                    branch.agents.append(agent)
                    # A few strong sellers and a long tail, as in any sales force.
                    weights.append(rng.lognormvariate(0, 0.6))
                branch.teams.append(team)
                self.teams.append(team)
            branch.agent_pick = Weighted(branch.agents, weights)
        for dealer in self.dealers:
            self._person("resident_manager", dealer.branch.id, dealer_id=dealer.id)

    def _person(self, role: str, org_unit_id: int, team_id: int | None = None, dealer_id: int | None = None,
                username: str | None = None, password_hash: str | None = None) -> int:
        rng = self.rng
        staff_id = self.ids("staff")
        mobile = mobile_number(rng)
        code = f"HB{staff_id:05d}"
        self.rows["staff"].append((
            staff_id, code, person_name(rng, rng.random() < 0.6), role, org_unit_id, team_id, dealer_id,
            code.lower(), None, cipher().encrypt(mobile), cipher().digest(mobile), username, password_hash,
            True, 1))
        return staff_id
