# bash completion for policypress(1): commands, their options, the values
# options take, and policies and locales read from the content directory.

_policypress_content_dir() {
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} == --content && $((i + 1)) -lt COMP_CWORD ]]; then
      printf '%s\n' "${COMP_WORDS[i + 1]}"
      return
    fi
  done
  printf 'content\n'
}

# Directory names one or two levels down the content: policies, or the
# locales of one policy.
_policypress_names() {
  local dir
  dir=$(_policypress_content_dir)${1:+/$1}
  [[ -d $dir ]] || return
  local entry
  for entry in "$dir"/*/; do
    entry=${entry%/}
    entry=${entry##*/}
    [[ $entry == '*' || $entry == .* ]] || printf '%s\n' "$entry"
  done
}

_policypress() {
  local cur prev words cword
  if declare -F _init_completion >/dev/null; then
    _init_completion || return
  else
    cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
  fi
  local commands='build check diff import new serve translate'
  if ((cword == 1)); then
    mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
    return
  fi
  local command=${words[1]} sub=${words[2]:-}
  case $prev in
    --content | --theme | --out)
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      return ;;
    --published | -o)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return ;;
    --format)
      case $command in
        check | translate) [[ $sub == export ]] && set -- po xliff || set -- text json ;;
        diff) set -- text html ;;
        *) set -- ;;
      esac
      mapfile -t COMPREPLY < <(compgen -W "$*" -- "$cur")
      return ;;
    --date-from)
      mapfile -t COMPREPLY < <(compgen -W "commit effective-line" -- "$cur")
      return ;;
    --locale)
      local policy=${words[2]:-}
      mapfile -t COMPREPLY < <(compgen -W "$(_policypress_names "$policy")" -- "$cur")
      return ;;
    --base-url | --as-of | --date | --port | --host | -j | --jobs | --since | --policy | --title | -U | --context)
      return ;;
  esac
  local options
  case $command in
    build) options='--content --theme --out --base-url --as-of --future --jobs --quiet --verbose' ;;
    check) options='--content --theme --base-url --published --as-of --strict --format' ;;
    diff) options='--format --context --ignore-diacritics' ;;
    import) options='--policy --locale --content --title --since --date-from --as-of' ;;
    new) options='--locale --date --content' ;;
    serve) options='--content --theme --port --host --as-of --future --open --poll --jobs' ;;
    translate)
      if ((cword == 2)); then
        mapfile -t COMPREPLY < <(compgen -W "status export import" -- "$cur")
        return
      fi
      case $sub in
        status) options='--content --format --as-of' ;;
        export) options='--content --format -o' ;;
        import) options='--content --date' ;;
      esac ;;
  esac
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
    return
  fi
  case $command in
    new)
      mapfile -t COMPREPLY < <(compgen -W "$(_policypress_names)" -- "$cur") ;;
    translate)
      if [[ $sub == export ]]; then
        if ((cword == 3)); then
          mapfile -t COMPREPLY < <(compgen -W "$(_policypress_names)" -- "$cur")
        elif ((cword == 4)); then
          mapfile -t COMPREPLY < <(compgen -W "$(_policypress_names "${words[3]}")" -- "$cur")
        fi
      elif [[ $sub == import ]]; then
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      fi ;;
    diff | import)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
  esac
}
complete -F _policypress policypress
