# Asks zsh what a completion function offers, the way an operator's Tab would: an interactive zsh on a pseudo-terminal
# (zsh/zpty) with compinit and the given directory on fpath; each command line is typed followed by Tab, and the
# matches zsh's completion system adds (every compadd call, after matching against the word being typed) are
# printed as one line "offered: WORD WORD ...", one line per command line, in order.
#
# usage: zsh -f zsh-completions.zsh DIRECTORY 'kata-preflight check -' 'kata-preflight check --format ' ...
# Run it in an empty directory: file arguments then complete to nothing.
zmodload zsh/zpty || exit 2
local directory=$1
shift

zpty shell zsh -f -i || exit 2
# No prompt, no listing (a long list would stop and ask), no menu: one Tab, one answer, nothing else waiting.
zpty -w shell "PS1= PROMPT= RPROMPT= LISTMAX=100000; unsetopt auto_list auto_menu list_ambiguous beep"
zpty -w shell "fpath=(${(q)directory} \$fpath); autoload -Uz compinit && compinit -u -D"
# Every compadd that adds matches also reports them (-A: the matches after matching, added nowhere).
zpty -w shell 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a hits; builtin compadd -A hits "$@"; offered+=($hits); builtin compadd "$@"
}'
zpty -w shell 'capture() { typeset -ga offered; offered=(); _main_complete; print -r -- $'"'"'\n'"'"'"offered: ${(j: :)offered} :end" }'
zpty -w shell 'zle -C capture complete-word capture; bindkey "^I" capture'
# Typed as rea''dy, so the echo of this line does not match what is waited for.
zpty -w shell "print rea''dy:end"
zpty -r -m shell reply '*ready:end*' || { print -u2 "zsh did not start"; exit 2 }

local typed out
for typed in "$@"; do
  zpty -w -n shell "$typed"$'\t'
  zpty -r -m shell out '*offered:* :end*' || { print -u2 "no answer for: $typed"; exit 2 }
  out=${out##*offered:}
  print -r -- "offered:${out%% :end*}"
  # Ctrl-U: the next command line starts on an empty one.
  zpty -w -n shell $'\C-u'
done
zpty -d shell
