"""Partner profiles: schema, checks, identity resolution, code maps, registry, commands.

Public entry points:

* ``checks.check_file`` / ``checks.check_bytes`` / ``checks.check_set``: profile check;
* ``registry.ProfileRegistry``: a directory of profiles, ``refresh()`` on every poll;
* ``identity.resolve`` / ``identity.resolve_as2``: inbound interchange -> one profile;
* ``dryrun.plan``: canonical documents -> the Odoo operations they would cause;
* ``commands.profile``: the click group ``edi-gateway profile``.
"""
