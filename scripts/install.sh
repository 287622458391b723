#!/bin/sh
# SPDX-License-Identifier: MIT
#
# guest-tools: Linux/install.sh on the tools CD.
#   mount /dev/cdrom /mnt; cd /mnt/Linux; sudo ./install.sh
# Picks the static installer built for this machine, copies it off the CD
# when the CD is mounted noexec, and runs `installer install`. Takes the
# upstream tools' flags: -d DISTRO -m MAJOR (together), -n (no questions),
# -k (accepted: the kernel is never changed), -h; anything else goes to the
# installer as it is (see `installer install --help`).
# Exit codes are the installer's (installer(8)); 2 for a bad command line here.

# The language of this script's messages, chosen as the installer chooses
# its own (lib/i18n.c, installer(8) ENVIRONMENT): LC_ALL, then LC_MESSAGES,
# then LANG (an empty one counts as unset); Japanese and French only with a
# UTF-8 codeset (ja_JP.UTF-8, fr_FR.utf8), as a console in another codeset
# would show them garbled: English otherwise. The guest has no gettext: the
# messages are in the table below (make check-i18n checks that each has its
# three languages).
locale_name=${LC_ALL:-${LC_MESSAGES:-${LANG:-}}}
lang=en
case $locale_name in
ja | ja[_.@]*) lang=ja ;;
fr | fr[_.@]*) lang=fr ;;
esac
case $locale_name in
*.*) codeset=${locale_name#*.} ;;
*) codeset= ;;
esac
case ${codeset%%@*} in
[Uu][Tt][Ff]-8 | [Uu][Tt][Ff]8) ;;
*) lang=en ;;
esac

# msg ID: the printf format of message ID in $lang (%s: its arguments).
msg() {
	case $lang:$1 in
	ja:nodir) m='実行中のディレクトリが見つかりません' ;;
	fr:nodir) m="impossible de trouver le répertoire d'où il est lancé" ;;
	*:nodir) m='cannot find the directory it runs from' ;;
	ja:d_arg) m='-d にはディストリビューションが必要です' ;;
	fr:d_arg) m='-d attend une distribution' ;;
	*:d_arg) m='-d needs a distribution' ;;
	ja:m_arg) m='-m にはメジャーバージョンが必要です' ;;
	fr:m_arg) m='-m attend une version majeure' ;;
	*:m_arg) m='-m needs a major version' ;;
	ja:dm_together) m='-d DISTRO と -m MAJOR は一緒に指定してください' ;;
	fr:dm_together) m='-d DISTRO et -m MAJOR vont ensemble' ;;
	*:dm_together) m='-d DISTRO and -m MAJOR go together' ;;
	ja:m_number) m="-m には数値が必要です（'%s' ではありません）" ;;
	fr:m_number) m="-m attend un nombre, pas '%s'" ;;
	*:m_number) m="-m needs a number, not '%s'" ;;
	ja:no_installer) m='この CD には %s 用の installer がありません（installer.%s を探しました）' ;;
	fr:no_installer) m="ce CD n'a pas d'installateur pour %s (installer.%s cherché)" ;;
	*:no_installer) m='this CD has no installer for %s (looked for installer.%s)' ;;
	ja:not_root) m='root で実行してください: sudo ./install.sh' ;;
	fr:not_root) m='doit être lancé en root : sudo ./install.sh' ;;
	*:not_root) m='must be run as root: sudo ./install.sh' ;;
	ja:cannot_run) m='%s を実行できず（CD が noexec でマウントされていませんか?）、/run、/tmp、/dev/shm にもコピーできません' ;;
	fr:cannot_run) m="impossible de lancer %s (le CD est-il monté noexec ?) et de le copier dans /run, /tmp ou /dev/shm" ;;
	*:cannot_run) m='cannot run %s (is the CD mounted noexec?) and cannot copy it to /run, /tmp or /dev/shm' ;;
	*) m=$1 ;;
	esac
	printf '%s' "$m"
}

# say ID [ARG...]: message ID on stderr, prefixed with the script's name.
say() {
	fmt=$(msg "$1")
	shift
	# shellcheck disable=SC2059 # the format comes from the table above
	printf "install.sh: $fmt\n" "$@" >&2
}

usage() {
	case $lang in
	ja)
		cat <<'USAGE'
使い方: install.sh [-n] [-k] [-d DISTRO -m MAJOR] [INSTALLER のオプション...]

この guest-tools CD からゲストエージェント（管理エージェント）をインストールし、
PV ドライバー（仮想化ドライバー）を確認します。
  -n            対話なし: 確認を求めない
  -k            互換性のために受け付ける（カーネルは決して変更しない）
  -d DISTRO     DISTRO 用のペイロードを使う（os-release の ID、例: rhel）...
  -m MAJOR      ... とこのメジャーバージョン。-d と -m は一緒に指定する
  -h            このヘルプ
その他のオプションは `installer install` に渡します: --dry-run、--json、--log FILE、-v。
USAGE
		;;
	fr)
		cat <<'USAGE'
Utilisation : install.sh [-n] [-k] [-d DISTRO -m MAJOR] [OPTIONS DE L'INSTALLATEUR...]

Installe l'agent invité (agent de gestion) depuis ce CD guest-tools et vérifie les pilotes PV.
  -n            non interactif : ne pas demander de confirmation
  -k            accepté pour compatibilité (le noyau n'est jamais modifié)
  -d DISTRO     utiliser la charge utile de DISTRO (un ID d'os-release, p. ex. rhel) ...
  -m MAJOR      ... et de cette version majeure ; -d et -m vont ensemble
  -h            cette aide
Les autres options vont à `installer install` : --dry-run, --json, --log FILE, -v.
USAGE
		;;
	*)
		cat <<'USAGE'
Usage: install.sh [-n] [-k] [-d DISTRO -m MAJOR] [INSTALLER OPTIONS...]

Install the guest agent from this guest-tools CD and check the PV drivers.
  -n            non-interactive: do not ask for confirmation
  -k            accepted for compatibility (the kernel is never changed)
  -d DISTRO     use the payload for DISTRO (an os-release ID, e.g. rhel) ...
  -m MAJOR      ... and this major version; -d and -m go together
  -h            this help
Other options go to `installer install`: --dry-run, --json, --log FILE, -v.
USAGE
		;;
	esac
}

# Where this script lives: the CD's Linux/ folder.
case $0 in
*/*) here=${0%/*} ;;
*) here=. ;;
esac
here=$(cd "$here" 2>/dev/null && pwd) || {
	say nodir
	exit 2
}

distro= major= pass=
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	-n) pass="$pass --yes" ;;
	-k) ;;
	-d)
		[ $# -ge 2 ] || { say d_arg; exit 2; }
		distro=$2
		shift
		;;
	-m)
		[ $# -ge 2 ] || { say m_arg; exit 2; }
		major=$2
		shift
		;;
	*)
		# Keep each argument whole: quote it for the eval below.
		q=$(printf '%s' "$1" | sed "s/'/'\\\\''/g")
		pass="$pass '$q'"
		;;
	esac
	shift
done
if { [ -n "$distro" ] && [ -z "$major" ]; } || { [ -z "$distro" ] && [ -n "$major" ]; }; then
	say dm_together
	usage >&2
	exit 2
fi
if [ -n "$distro" ]; then
	case $major in
	'' | *[!0-9]*)
		say m_number "$major"
		exit 2
		;;
	esac
	pass="$pass -d '$distro' -m '$major'"
fi

case $(uname -m) in
x86_64 | amd64) arch=x86_64 ;;
i[3-6]86) arch=i686 ;;
aarch64 | arm64) arch=aarch64 ;;
*) arch=$(uname -m) ;;
esac
bin=$here/installer.$arch
[ -f "$bin" ] || bin=$here/installer
if [ ! -f "$bin" ]; then
	say no_installer "$arch" "$arch"
	exit 4
fi

if [ "$(id -u)" != 0 ]; then
	say not_root
	exit 9
fi

# Run a private copy, not the binary on the CD: a CD mounted noexec (desktop
# automounters do that) cannot run it, and a CD ejected mid-run would take
# the pages of a running binary with it. The installer reads the media
# itself and reports a CD that goes away as exit 7, with nothing changed.
tmp=
cleanup() {
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
run=
for base in /run /tmp /dev/shm; do
	[ -d "$base" ] && [ -w "$base" ] || continue
	if command -v mktemp >/dev/null 2>&1; then
		tmp=$(mktemp -d "$base/guest-tools.XXXXXX" 2>/dev/null) || tmp=
	else
		tmp=$base/guest-tools.$$
		(umask 077 && mkdir "$tmp") 2>/dev/null || tmp=
	fi
	[ -n "$tmp" ] || continue
	if cp "$bin" "$tmp/installer" && chmod 700 "$tmp/installer" &&
		"$tmp/installer" --version >/dev/null 2>&1; then
		run=$tmp/installer
		break
	fi
	rm -rf "$tmp"
	tmp=
done
if [ -z "$run" ]; then
	if ! "$bin" --version >/dev/null 2>&1; then
		say cannot_run "$bin"
		exit 1
	fi
	run=$bin
fi

eval "\"\$run\" install --media \"\$here/..\" $pass"
rc=$?
cleanup
trap - EXIT
exit $rc
