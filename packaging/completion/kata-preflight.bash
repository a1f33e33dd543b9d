# bash completion for kata-preflight (static: lists the documented commands and options).
_kata_preflight()
{
    local cur prev words cword
    _init_completion || return

    local commands="check hook"
    local global_opts="--help --version --verbose"
    local check_opts="--root --format --fail-on --help --verbose"

    case $prev in
        --root)
            _filedir -d
            return
            ;;
        --policy)
            _filedir toml
            return
            ;;
        --format)
            COMPREPLY=($(compgen -W "text json sarif" -- "$cur"))
            return
            ;;
        --fail-on)
            COMPREPLY=($(compgen -W "block warn never" -- "$cur"))
            return
            ;;
    esac

    local command="" i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            check | hook) command=${words[i]}; break ;;
        esac
    done

    case $command in
        "")
            COMPREPLY=($(compgen -W "$commands $global_opts" -- "$cur"))
            ;;
        check)
            COMPREPLY=($(compgen -W "$check_opts" -- "$cur"))
            ;;
        hook)
            # After "hook apt" come its options; before it, the one subcommand.
            if [[ " ${words[*]:0:cword} " == *" apt "* ]]; then
                COMPREPLY=($(compgen -W "--root --policy --verbose --help" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "apt --help" -- "$cur"))
            fi
            ;;
    esac
} && complete -F _kata_preflight kata-preflight
