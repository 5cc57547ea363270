"""The `pos` command: thin wrappers over the modules that do the work.

A command imports the heavy modules only it needs when it runs (Flask and waitress,
python-escpos, cryptography, the books' pipeline, the demo, and pos.db.coop with the settings'
checks and Babel), so that `pos --help` starts without them; the light ones are imported here.
"""

from __future__ import annotations

import functools
import os
import socket
import sqlite3
import sys
import zipfile
from pathlib import Path

import click

from pos import clock
from pos import db as database
from pos import members as member_rules
from pos.backup import backup_to
from pos.db import pins
from pos.db.events import log_event
from pos.errors import EtalError, storage_error
from pos.turns import DEFAULT as DEFAULT_TURNS

DB_OPTION = click.option(
    "--db",
    "db_path",
    envvar="POS_DB",
    default="etal.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Fichier SQLite de la coopérative (ou POS_DB).",
)


def clear_errors(command):
    """Turn Étal's errors into one clear line and exit code 1, never a traceback."""

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except EtalError as exc:
            message = exc.message
            if isinstance(exc, database.DatabaseMissing):
                message = (
                    f"Pas de base Étal à {exc.message} "
                    "(créez-la avec « pos init » ou « pos demo »)."
                )
            click.echo(f"Erreur : {_one_line(message)}", err=True)
            sys.exit(1)
        except (OSError, ValueError, sqlite3.DatabaseError, zipfile.BadZipFile, KeyError) as exc:
            known = storage_error(exc)  # a full disk, a damaged file: one line that says so
            if known is None and isinstance(exc, sqlite3.DatabaseError | zipfile.BadZipFile):
                known = EtalError(f"fichier endommagé ou illisible ({exc})")
            click.echo(f"Erreur : {_one_line(known.message if known else exc)}", err=True)
            sys.exit(1)

    return wrapped


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Étal : la caisse et les comptes d'une coopérative éphémère au marché."""


def _fresh_db(path: str, force: bool):
    from pos import startup  # pos.db.coop, the settings' checks, Babel

    target = Path(path)
    if target.exists() and not force:
        raise EtalError(f"{path} existe déjà : ajoutez --force pour l'écraser.")
    for suffix in ("", "-wal", "-shm", ".secret", ".key", ".pub"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    db = database.connect(target, create=True)
    database.migrate(db)
    from pos import signing  # cryptography: only for the commands that sign

    startup.secret_key_for(target.resolve())
    signing.ensure_keys(target)
    return db


@main.command()
@DB_OPTION
@click.option("--brand", prompt="Nom de la marque", help="Nom de la marque de la coop.")
@click.option("--legal-name", prompt="Nom de la CAE", help="Raison sociale de la CAE.")
@click.option("--address", prompt="Adresse de la CAE", help="Adresse de la CAE.")
@click.option("--siret", prompt="SIRET de la CAE", help="SIRET (14 chiffres).")
@click.option("--vat-number", prompt="N° de TVA intracommunautaire", default="", help="N° de TVA.")
@click.option("--vat-franchise/--vat", default=False, help="Franchise en base (pas de TVA).")
@click.option("--admin", "admin_name", prompt="Prénom de l'animateur", help="Premier admin.")
@click.option(
    "--pin",
    prompt="Code de l'animateur (4 à 8 chiffres)",
    hide_input=True,
    confirmation_prompt=True,
    help="Code de l'admin.",
)
@click.option("--force", is_flag=True, help="Écraser une base existante.")
@clear_errors
def init(
    db_path, brand, legal_name, address, siret, vat_number, vat_franchise, admin_name, pin, force
):
    """Créer la base d'une coopérative : marque, identité légale, premier admin."""
    from pos.db import coop
    from pos.settings import check_settings

    checked = check_settings(
        {
            "brand": brand,
            "legal_name": legal_name,
            "address": address,
            "siret": siret,
            "vat_number": vat_number,
            "vat_franchise": "1" if vat_franchise else "0",
        }
    )
    if checked.errors:
        raise EtalError(" ".join(checked.errors.values()))
    if not member_rules.pin_is_valid(pin):
        raise EtalError("Le code doit compter 4 à 8 chiffres.")
    db = _fresh_db(db_path, force)
    coop.save_settings(db, checked.values)
    coop.insert_member(db, admin_name.strip(), pin, "admin")
    click.echo(f"Coopérative « {brand} » créée dans {db_path}. Lancez : pos serve --db {db_path}")


@main.command()
@DB_OPTION
@click.option("--force", is_flag=True, help="Écraser une base existante.")
@clear_errors
def demo(db_path, force):
    """Créer une coop de démonstration prête à vendre."""
    from pos.demo import load_demo  # the demo's pictures and plan: only here

    db = _fresh_db(db_path, force)
    members = load_demo(db)
    click.echo(f"Coop de démonstration créée dans {db_path}.")
    click.echo("Membres (prénom : code) :")
    for name, pin, role in members:
        click.echo(f"  {name} : {pin}" + ("  (admin)" if role == "admin" else ""))


@main.command()
@DB_OPTION
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Adresse d'écoute (127.0.0.1 : cet appareil seul ; 0.0.0.0 : le Wi-Fi du stand).",
)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--turns",
    default=DEFAULT_TURNS,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Requêtes traitées à la fois (les autres attendent leur tour, sans coût).",
)
@click.option("--printer", envvar="POS_PRINTER", default="", help="URL de l'imprimante.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 16),
    help="Processus qui servent à la fois, un par cœur au plus (2 sur un Pi 4).",
)
@clear_errors
def serve(db_path, host, port, threads, turns, printer, workers):
    """Servir l'application (waitress) pour les tablettes du stand."""
    from pos.web.app import create_app  # Flask: only to serve

    _fewer_malloc_arenas()
    _refuse_damaged(db_path)
    if workers == 1:
        app = create_app(db_path, PRINTER=printer)
        _started(db_path, host, port)
        _waitress(app, threads, turns, host=host, port=port)
        return
    from pos import startup
    from pos import workers as processes

    path = Path(db_path).resolve()
    startup.open_coop(path)  # migrated once, and the session key made, before any worker
    startup.secret_key_for(path)
    shared = processes.listen(host, port)  # a port already taken stops the start here

    def worker(number: int, attach) -> None:
        database.OTHER_PROCESSES = True  # the other workers write the file too (pos.db.begin)
        app = create_app(path, PRINTER=printer)
        sockets = [processes.stand_in(host, port)]
        _waitress(app, threads, turns, f"etal/{number}", attach, sockets=sockets)

    ready = functools.partial(_started, db_path, host, port, workers=workers)
    sys.exit(processes.Workers(shared, workers, worker, say=_say, ready=ready).run())


def _waitress(app, threads: int, turns: int, ident: str = "etal", attach=None, **where) -> None:
    """Serve `app` with waitress at `where` (host and port, or sockets) until stopped; with
    `attach`, the connections come from it (pos.workers.Acceptor)."""
    import waitress

    from pos.turns import Turns, waitress_server

    turns = Turns(app, min(turns, threads))  # one at work, the other threads parked (pos.turns)
    waitress.serve(
        turns,
        _server=waitress_server(turns, threads, attach),  # each request and the loop in a turn
        **where,
        threads=threads,
        ident=ident,  # a worker says which one answered (Server: etal/2)
        clear_untrusted_proxy_headers=True,
        **_connection_limits(),
    )


def _say(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()


def _started(db_path: str, host: str, port: int, **details: int) -> None:
    """The journal's `server_started`, and where the tablets open Étal."""
    started = database.connect(db_path)
    log_event(started, "server_started", None, host=host, port=port, **details)
    started.close()
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Étal est prêt : ouvrez http://{shown}:{port}/")
    if host in ("0.0.0.0", "::"):
        click.echo(f"Sur le Wi-Fi du stand : http://{_lan_address()}:{port}/")
    elif host.startswith("127."):
        click.echo("Seul cet appareil peut l'ouvrir ; pour les tablettes : --host 0.0.0.0")
    sys.stdout.flush()


# Idle or crawling connections cost waitress a small object each (no thread: a request reaches
# a thread only once it has fully arrived), so many are allowed; the limit that shut the
# tablets out was waitress's default of 100. poll() instead of select(), which stops at 1024.
CONNECTION_LIMIT = 1000
CHANNEL_TIMEOUT = 20  # seconds of silence before a connection is closed


def _connection_limits() -> dict:
    """Waitress's limits, within the file descriptors this process may open."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = CONNECTION_LIMIT + 100  # the database, its WAL, logs, the printer...
    if soft != resource.RLIM_INFINITY and soft < wanted:
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return {
        "connection_limit": max(50, min(CONNECTION_LIMIT, soft - 100)),
        "channel_timeout": CHANNEL_TIMEOUT,
        "cleanup_interval": 10,
        "asyncore_use_poll": True,
        "backlog": 1024,
    }


def _refuse_damaged(db_path: str) -> None:
    """Never serve a database that fails SQLite's quick_check: say so and stop."""
    found = database.quick_check(db_path)
    if found != ["ok"]:
        raise EtalError(
            f"{db_path} est endommagée ({'; '.join(found)[:300]}) : restaurez la dernière"
            " sauvegarde (README, « Restore ») avant de relancer pos serve."
        )


def _fewer_malloc_arenas() -> None:
    """Cap glibc's per-thread malloc arenas at 2: waitress's threads otherwise each grow one,
    which costs resident memory on a small Pi for no speed a 2-core machine can use."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name and sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(name).mallopt(-8, 2)  # M_ARENA_MAX
        except (OSError, AttributeError):
            pass


def _lan_address() -> str:
    """This machine's address on the local network (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
    except OSError:
        return socket.gethostname()


@main.group()
def member() -> None:
    """Gérer les membres."""


@member.command("add")
@click.argument("name")
@DB_OPTION
@click.option("--pin", prompt="Code (4 à 8 chiffres)", hide_input=True, help="Code du membre.")
@click.option("--role", type=click.Choice(member_rules.ROLES), default="member", show_default=True)
@clear_errors
def member_add(name, db_path, pin, role):
    """Ajouter un membre."""
    from pos.db import coop

    if not member_rules.pin_is_valid(pin):
        raise EtalError("Le code doit compter 4 à 8 chiffres.")
    db = database.open_existing(db_path)
    if any(
        m["name"].casefold() == name.strip().casefold()
        for m in coop.list_members(db, active_only=False)
    ):
        raise EtalError(f"« {name} » existe déjà.")
    coop.insert_member(db, name, pin, role)
    click.echo(f"{name} ajouté ({role}).")


@member.command("list")
@DB_OPTION
@clear_errors
def member_list(db_path):
    """Lister les membres."""
    from pos.db import coop

    for m in coop.list_members(database.open_existing(db_path), active_only=False):
        state = f" ({m['failed_pins']} code(s) faux)" if m["failed_pins"] else ""
        click.echo(f"{m['id']}\t{m['name']}\t{m['role']}{state}")


@member.command("unlock")
@click.argument("name")
@DB_OPTION
@clear_errors
def member_unlock(name, db_path):
    """Effacer les codes faux et les attentes d'un membre, sur tous les appareils."""
    from pos.db import coop

    db = database.open_existing(db_path)
    found = [
        m
        for m in coop.list_members(db, active_only=False)
        if m["name"].casefold() == name.strip().casefold()
    ]
    if not found:
        raise EtalError(f"Aucun membre « {name} ».")
    pins.unlock_member(db, found[0]["id"])
    log_event(db, "member_unlocked", None, member_id=found[0]["id"], by="pos member unlock")
    click.echo(f"{found[0]['name']} peut se connecter de nouveau.")


@main.group()
def token() -> None:
    """Gérer les jetons d'API."""


@token.command("create")
@click.argument("name")
@DB_OPTION
@click.option(
    "--scope",
    "scope",
    default="sell,read",
    show_default=True,
    help="Portées séparées par des virgules : sell (vendre), refund (rembourser), read (lire).",
)
@clear_errors
def token_create(name, db_path, scope):
    """Créer un jeton d'API (affiché une seule fois, sur la dernière ligne)."""
    from pos.db import coop

    scopes = member_rules.parse_scopes(scope)
    db = database.open_existing(db_path)
    value = coop.insert_token(db, name, scopes)

    log_event(db, "token_created", None, name=name, scopes=",".join(scopes))
    click.echo(f"Jeton « {name} » créé ({', '.join(scopes)}). Gardez-le : il ne sera plus affiché.")
    click.echo(value)


@token.command("list")
@DB_OPTION
@clear_errors
def token_list(db_path):
    """Lister les jetons d'API."""
    from pos.db import coop

    db = database.open_existing(db_path)
    zone = coop.load_settings(db)["timezone"]  # the coop's clock, in French (pos.clock)
    for t in coop.list_tokens(db):
        revoked = t["revoked_at"] and f"révoqué le {clock.for_people(t['revoked_at'], zone)}"
        click.echo(
            f"{t['id']}\t{t['name']}\t{t['scopes']}\t"
            f"créé le {clock.for_people(t['created_at'], zone)}\t{revoked or 'actif'}"
        )


@token.command("revoke")
@click.argument("token_id", type=int)
@DB_OPTION
@clear_errors
def token_revoke(token_id, db_path):
    """Révoquer un jeton d'API."""
    from pos.db import coop

    if not coop.revoke_token(database.open_existing(db_path), token_id):
        raise EtalError(f"Aucun jeton actif n° {token_id}.")
    click.echo(f"Jeton {token_id} révoqué.")


@main.command()
@DB_OPTION
@click.option(
    "--to",
    "folder",
    required=True,
    type=click.Path(file_okay=False),
    help="Dossier de destination (ex. : la clé USB).",
)
@click.option("--keep", default=0, type=int, help="Ne garder que les N copies les plus récentes.")
@clear_errors
def backup(db_path, folder, keep):
    """Écrire une copie cohérente de la base (sauvegarde en ligne SQLite)."""

    db = database.open_existing(db_path)
    target = backup_to(db_path, folder, keep=keep)
    log_event(db, "backup", None, path=str(target))
    db.close()
    click.echo(f"Sauvegarde écrite : {target}")


@main.command("export")
@DB_OPTION
@click.option(
    "--out",
    "folder",
    required=True,
    type=click.Path(file_okay=False),
    help="Dossier où écrire les fichiers (créé s'il manque).",
)
@click.option(
    "--from",
    "start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Premier jour inclus (AAAA-MM-JJ, heure de Paris).",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Dernier jour inclus (AAAA-MM-JJ) ; sinon aujourd'hui pour le nom du FEC.",
)
@click.option(
    "--dialect",
    type=click.Choice(["fr", "plain"]),
    default="fr",
    show_default=True,
    help="fr : tableur français (;  virgule décimale) ; plain : RFC 4180 (,  point).",
)
@clear_errors
def export(db_path, folder, start, end, dialect):
    """Exporter ventes, paiements, stock, dépenses, clôtures, parts (CSV) et le FEC."""
    from pos import bookkeeping  # the books' pipeline: only here
    from pos.accounts import Period
    from pos.db import coop

    period = Period(start and start.date(), end and end.date())
    if period.start and period.end and period.start > period.end:
        raise EtalError("--from doit précéder --to.")
    db = database.open_existing(db_path)
    settings = coop.load_settings(db)
    closing = period.end or clock.local(clock.now()).date()
    files = bookkeeping.export_files(db, period, dialect, settings, closing)
    for path in bookkeeping.write_folder(files, folder):
        click.echo(f"{path}")


@main.group()
def archive() -> None:
    """Archives signées du journal (à garder six ans)."""


@archive.command("create")
@DB_OPTION
@click.option(
    "--out",
    "folder",
    required=True,
    type=click.Path(file_okay=False),
    help="Dossier où écrire l'archive.",
)
@click.option("--period", default=None, help="AAAA ou AAAA-MM (par défaut : tout le journal).")
@clear_errors
def archive_create(db_path, folder, period):
    """Écrire l'archive signée d'une période : journal, lignes, paiements, clôtures, événements."""
    from pos.archives import create_archive  # cryptography: only here

    db = database.open_existing(db_path)
    path, manifest = create_archive(db, db_path, Path(folder), period)
    log_event(db, "archive", None, path=str(path), period=period or "tout")
    counts = ", ".join(f"{n} : {f['rows']}" for n, f in manifest["files"].items())
    click.echo(f"Archive écrite : {path} ({counts})")
    click.echo(f"Empreinte de la clé publique : {manifest['public_key_fingerprint']}")


@archive.command("verify")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="La clé publique de la coop gardée à part (coop.db.pub), qui doit avoir signé l'archive.",
)
@click.option(
    "--fingerprint",
    default=None,
    help="Ou l'empreinte de cette clé (imprimée sur chaque Z).",
)
@clear_errors
def archive_verify(file, key_file, fingerprint):
    """Vérifier une archive hors ligne, sans base : empreintes, chaînes, signatures, clé."""
    from pos.archives import key_matches, verify_archive  # cryptography: only here

    problems, manifest = verify_archive(file)
    if not problems and (key_file or fingerprint):
        wrong = key_matches(
            manifest, Path(key_file).read_bytes() if key_file else None, fingerprint
        )
        problems = [wrong] if wrong else []
    if problems:
        for problem in problems:
            click.echo(f"ÉCHEC : {problem}", err=True)
        sys.exit(1)
    rows = sum(f["rows"] for f in manifest["files"].values())
    key = manifest["public_key_fingerprint"]
    click.echo(
        f"OK : archive intacte ({rows} lignes, période {manifest.get('period') or 'tout'}),"
        f" clé {key}."
    )
    if key_file or fingerprint:
        click.echo("La clé est bien celle donnée : l'archive vient de cette coop.")
    else:
        click.echo(
            "Attention : sans --key ni --fingerprint, seule la cohérence interne de l'archive est"
            " vérifiée (une archive refaite et signée avec une autre clé passerait aussi)."
            f" Comparez l'empreinte {key} à celle imprimée sur les Z, ou donnez --key coop.db.pub."
        )


@main.command()
@DB_OPTION
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Vérifier les Z avec cette clé publique gardée à part (sinon celle à côté de la base).",
)
@click.option("--fingerprint", default=None, help="Ou exiger que la clé ait cette empreinte.")
@clear_errors
def verify(db_path, key_file, fingerprint):
    """Vérifier chaque chaîne du journal, chaque Z (signature, pointes, totaux recalculés)."""
    from pos import journal, signing, verification  # every chain, cryptography: only here

    db = database.open_existing(db_path)
    public = Path(key_file) if key_file else signing.key_paths(db_path)[1]
    pem = public.read_bytes() if public.is_file() else None
    if fingerprint and (pem is None or signing.fingerprint(pem) != fingerprint.strip().lower()):
        raise EtalError(f"la clé {public.name} n'a pas l'empreinte {fingerprint}.")
    report = verification.verify(db, pem)
    if report.problem:
        click.echo(
            f"ÉCHEC : le journal ne correspond plus à partir de : {report.problem}.", err=True
        )
        sys.exit(1)
    counts = ", ".join(
        f"{report.counts.get(c, 0)} {journal.CHAIN_NAMES[c]}" for c in journal.CHAINS[1:]
    )
    click.echo(
        f"OK : {report.counts['sales']} écritures, {report.signed} clôtures signées ({counts}) ;"
        " chaînes intactes, numérotation continue, chaque Z recalculé et ses pointes retrouvées."
    )
    if report.pending:
        waiting = ", ".join(f"{n} {journal.CHAIN_NAMES[t]}" for t, n in report.pending.items())
        click.echo(f"À chaîner au prochain Z : {waiting}.")
    if public.is_file():
        click.echo(
            f"Clé publique {public.name} : empreinte {signing.fingerprint(public.read_bytes())}."
        )


@main.group()
def printer() -> None:
    """Essayer l'imprimante de tickets."""


@printer.command("test")
@click.option(
    "--printer",
    "url",
    envvar="POS_PRINTER",
    default="",
    help="URL de l'imprimante (ou POS_PRINTER ; sinon le réglage de la base).",
)
@DB_OPTION
@clear_errors
def printer_test(url, db_path):
    """Imprimer la page de test (tous les caractères français et €) et dire si elle est sortie."""
    from pos.printing import InvalidPrinterUrl, PrinterUnavailable, print_test  # escpos

    try:
        config, seller = _printer_and_seller(url, db_path)
        print_test(config, seller)
    except (InvalidPrinterUrl, PrinterUnavailable) as exc:  # a database error: « Erreur »
        click.echo(f"Échec : {exc}", err=True)
        sys.exit(1)
    click.echo(
        f"Page de test envoyée à {config.where} ({config.width} caractères, "
        f"{config.codepage}) : vérifiez les accents, le signe € et la coupe."
    )


def _printer_and_seller(url: str, db_path: str):
    """The printer (flag, POS_PRINTER, else the coop's setting) and the coop's identity."""
    from pos.db import coop
    from pos.print_queue import NO_PRINTER, config_of, printer_url_of  # python-escpos
    from pos.printing import PrinterUnavailable
    from pos.receipts import seller_of

    settings, seller = {}, None
    if Path(db_path).is_file():
        db = database.open_existing(db_path)
        settings = coop.load_settings(db)
        db.close()
        seller = seller_of(settings) if settings["brand"] else None
    if url:  # the URL typed wins, with its own width
        settings = {**settings, "printer_url": url, "paper_width": ""}
    url = printer_url_of("", settings)
    if not url:
        raise PrinterUnavailable(f"{NO_PRINTER} (ou : pos printer test --printer URL)")
    return config_of(url, settings), seller


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("POS_DB", "etal.db")
    main()
