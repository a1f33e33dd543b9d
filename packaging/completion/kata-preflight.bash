# bash completion for kata-preflight. Static, and checked against the command tree by
# tests/Preflight.Cli.Tests/DocumentationTests.cs, which runs this function in bash for every command and
# option: a command or option missing here, or offered here but unknown to kata-preflight, fails the tests.
_kata_preflight()
{
    local cur prev words cword
    _init_completion || return

    # The command path so far ("", "check", "inspect image", ...): the words before the cursor that are
    # commands, not options or their values.
    local path="" i word
    for ((i = 1; i < cword; i++)); do
        word=${words[i]}
        case "$path:$word" in
            :check | :inspect | :diff | :matrix | :releases | :fingerprint | :export-proto | :rules | :hook | \
                "inspect:image" | "inspect:binary" | "hook:apt" | "hook:dnf" | "hook:check")
                path="${path:+$path }$word"
                ;;
        esac
    done

    # The value of an option.
    case "$path:$prev" in
        "check:--format")
            COMPREPLY=($(compgen -W "text json sarif" -- "$cur"))
            return
            ;;
        "inspect image:--format" | "inspect binary:--format" | "diff:--format" | "releases:--format")
            COMPREPLY=($(compgen -W "text json" -- "$cur"))
            return
            ;;
        "matrix:--format")
            COMPREPLY=($(compgen -W "text json tsv html" -- "$cur"))
            return
            ;;
        "rules:--format")
            COMPREPLY=($(compgen -W "text json markdown" -- "$cur"))
            return
            ;;
        "check:--fail-on")
            COMPREPLY=($(compgen -W "block warn never" -- "$cur"))
            return
            ;;
        "check:--ignore")
            # Rule IDs, from the installed tool itself.
            COMPREPLY=($(compgen -W "ALL $(kata-preflight rules --format json 2>/dev/null | grep -o '"id": *"[A-Z_]*"' | grep -o '[A-Z_]*"$' | tr -d '"')" -- "$cur"))
            return
            ;;
        *:--root | *:--output | *:-o)
            _filedir -d
            return
            ;;
        *:--policy)
            _filedir toml
            return
            ;;
        *:--config | *:--image | *:--runtime | *:--package | *:--agent)
            _filedir
            return
            ;;
    esac

    # Commands and options at this point of the path.
    local offer
    case "$path" in
        "") offer="check inspect diff matrix releases fingerprint export-proto rules hook --help --version" ;;
        check) offer="--root --config --image --runtime --package --policy --ignore --fail-on --format --quiet --verbose --help" ;;
        inspect) offer="image binary --help" ;;
        "inspect image" | "inspect binary") offer="--format --help" ;;
        diff) offer="--agent --runtime --format --verbose --help" ;;
        matrix) offer="--releases --agent --runtime --root --format --quiet --help" ;;
        releases) offer="--agent --runtime --format --help" ;;
        fingerprint) offer="--help" ;;
        export-proto) offer="--output --help" ;;
        rules) offer="--format --help" ;;
        hook) offer="apt dnf check --help" ;;
        "hook apt" | "hook dnf" | "hook check") offer="--root --policy --verbose --help" ;;
    esac
    COMPREPLY=($(compgen -W "$offer" -- "$cur"))
    # The file argument of the commands that take one.
    case "$path" in
        "inspect image" | "inspect binary" | fingerprint | export-proto)
            [[ $cur == -* ]] || _filedir
            ;;
    esac
} && complete -F _kata_preflight kata-preflight
