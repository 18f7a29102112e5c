# Medlemsportal. `make run` and `make test` do everything on a fresh machine.
PYTHON ?= python3.11
VENV ?= .venv
BIN = $(VENV)/bin
PY = $(BIN)/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE = config.settings

.PHONY: run install migrate demo serve test lint format worker beat messages bench load clean backup restore

$(BIN)/activate: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(BIN)/activate

install: $(BIN)/activate

# Laptop mode: SQLite, eager tasks, mail to the console, DEBUG on.
run: export DEBUG ?= 1
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

migrate: install
	$(PY) manage.py migrate --noinput

demo: install
	DEBUG=1 $(PY) manage.py seed_demo

test: install
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=2

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

messages: install
	DEBUG=1 $(PY) manage.py makemessages -l nb -l en --ignore=.venv --ignore=staticfiles
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

bench: install
	$(PY) -m bench $(BENCH_ARGS)

# Load test (locust, headless) against gunicorn with 2 workers, DEBUG off; needs a
# PostgreSQL DATABASE_URL seeded by `python -m bench --members 100000` (see README).
load: install
	$(PY) -m bench.load $(LOAD_ARGS)

# Backups (PostgreSQL): a pg_dump custom-format file of the whole database. The
# encryption keys are NOT in it: keep FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY apart.
#   make backup [BACKUP=file.dump]          DATABASE_URL=postgres://…
#   make restore FILE=file.dump             DATABASE_URL=postgres://… (an empty database)
BACKUP ?= backups/medlemsportal-$(shell date +%Y%m%d-%H%M%S).dump
backup:
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "DATABASE_URL must be a PostgreSQL URL" >&2; exit 2;; esac
	@mkdir -p $(dir $(BACKUP))
	pg_dump --format=custom --no-owner --no-privileges --file="$(BACKUP)" --dbname="$$DATABASE_URL"
	@echo "Backup written to $(BACKUP)"

restore:
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "DATABASE_URL must be a PostgreSQL URL" >&2; exit 2;; esac
	@test -n "$(FILE)" || (echo "Give the backup file: make restore FILE=…" >&2; exit 2)
	pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$$DATABASE_URL" "$(FILE)"
	@echo "Restored $(FILE)"

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
