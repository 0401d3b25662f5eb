#!/bin/bash
# Static checks of the fleet playbook (scripts/ansible): `ansible-playbook --syntax-check`
# of viobench.yml and of check-windows.yml, which imports the Windows guest tasks that
# viobench.yml includes only for Windows guests (they need the ansible.windows collection,
# Debian's `ansible` package, and cannot run here: no Windows guest), then ansible-lint
# (production profile) over both when Debian's ansible-lint is installed. The playbook's
# behaviour is tested against real sshd servers by ansible.sh.
. "$(dirname "$0")/lib.sh"

command -v ansible-playbook >/dev/null || skip "ansible-playbook is not installed (ansible-core: scripts/setup)"
export ANSIBLE_HOME="$T/ansible-home" ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP="$T/ansible-local"
ansible-playbook --syntax-check -i localhost, scripts/ansible/viobench.yml >"$T/syn.out" 2>&1 ||
    fail "viobench.yml: syntax check failed: $(cat "$T/syn.out")"
checked="viobench.yml"
if ansible-galaxy collection list ansible.windows 2>/dev/null | grep -q '^ansible\.windows '; then
    ansible-playbook --syntax-check -i localhost, scripts/ansible/check-windows.yml >"$T/syn.out" 2>&1 ||
        fail "check-windows.yml (the Windows guest tasks): syntax check failed: $(cat "$T/syn.out")"
    checked="$checked check-windows.yml"
else
    echo "note: no ansible.windows collection (Debian: the ansible package): Windows tasks not checked"
fi
# A broken task file must fail the check (the check can fail).
mkdir -p "$T/bad/roles"
cp -r scripts/ansible/roles/viobench "$T/bad/roles/"
cp scripts/ansible/viobench.yml "$T/bad/"
printf -- '- name: Broken\n  ansible.builtin.no_such_module_here: {}\n' >>"$T/bad/roles/viobench/tasks/prepare.yml"
! ansible-playbook --syntax-check -i localhost, "$T/bad/viobench.yml" >"$T/syn.out" 2>&1 ||
    fail "syntax check accepted an unknown module"
echo "syntax checked: $checked"
if command -v ansible-lint >/dev/null; then
    (cd scripts/ansible && ansible-lint --offline --nocolor -p $checked) >"$T/lint.out" 2>&1 ||
        fail "ansible-lint: $(grep -v '^WARNING  Unable to load module' "$T/lint.out" | tail -20)"
    grep -v '^WARNING  Unable to load module' "$T/lint.out" | tail -3
else
    echo "note: ansible-lint is not installed: lint skipped"
fi
finish
