# fish completion for kata-preflight. Static, and checked against the command tree by
# tests/Preflight.Cli.Tests/DocumentationTests.cs, which asks fish (complete -C) for every command and option
# value: a command or option missing here, or offered here but unknown to kata-preflight, fails the tests.

# The command path typed so far: "", "check", "inspect image", ...
function __kata_preflight_path
    set -l path
    for word in (commandline -opc)[2..-1]
        switch "$path:$word"
            case ':check' ':inspect' ':diff' ':matrix' ':releases' ':fingerprint' ':export-proto' ':rules' ':hook' 'inspect:image' 'inspect:binary' 'hook:apt' 'hook:dnf' 'hook:check'
                set path (string trim -- "$path $word")
        end
    end
    echo -- "$path"
end

function __kata_preflight_at
    test (__kata_preflight_path) = "$argv"
end

complete -c kata-preflight -f

# kata-preflight
complete -c kata-preflight -n '__kata_preflight_at ""' -a 'check' -d 'Check the configured images against the runtime'
complete -c kata-preflight -n '__kata_preflight_at ""' -a 'inspect' -d 'Show what a guest image or a binary holds'
complete -c kata-preflight -n '__kata_preflight_at ""' -a 'diff' -d 'Compare an agent and a runtime'
complete -c kata-preflight -n '__kata_preflight_at ""' -a 'matrix' -d 'Verdict of every agent against every runtime'
complete -c kata-preflight -n '__kata_preflight_at ""' -a 'releases' -d "Kata's releases and their protocols"
complete -c kata-preflight -n '__kata_preflight_at ""' -a 'fingerprint' -d 'Wire fingerprint of the agent protocol'
complete -c kata-preflight -n '__kata_preflight_at ""' -a 'export-proto' -d 'Write embedded descriptors as .proto files'
complete -c kata-preflight -n '__kata_preflight_at ""' -a 'rules' -d 'List every rule'
complete -c kata-preflight -n '__kata_preflight_at ""' -a 'hook' -d 'Package manager hooks'
complete -c kata-preflight -n '__kata_preflight_at ""' -l version -d 'Print name, version and commit'
complete -c kata-preflight -l help -s h -d 'Show help'

# check
complete -c kata-preflight -n '__kata_preflight_at check' -l root -r -a '(__fish_complete_directories)' -d 'Treat DIR as the host root'
complete -c kata-preflight -n '__kata_preflight_at check' -l config -r -F -d 'Check this configuration file'
complete -c kata-preflight -n '__kata_preflight_at check' -l image -r -F -d 'Check this guest image'
complete -c kata-preflight -n '__kata_preflight_at check' -l runtime -r -F -d 'Check this runtime binary'
complete -c kata-preflight -n '__kata_preflight_at check' -l package -r -F -d 'Check the runtime/image inside a .deb or .rpm'
complete -c kata-preflight -n '__kata_preflight_at check' -l policy -r -F -d 'Policy file (TOML)'
complete -c kata-preflight -n '__kata_preflight_at check' -l ignore -x -d 'Ignore findings of this rule'
complete -c kata-preflight -n '__kata_preflight_at check' -l fail-on -x -a 'block warn never' -d 'Exit 1 on'
complete -c kata-preflight -n '__kata_preflight_at check' -l format -x -a 'text json sarif' -d 'Report format'
complete -c kata-preflight -n '__kata_preflight_at check' -l quiet -s q -d 'Print only problems'
complete -c kata-preflight -n '__kata_preflight_at check' -l verbose -s v -d 'Log to stderr'

# inspect
complete -c kata-preflight -n '__kata_preflight_at inspect' -a 'image' -d 'A guest image'
complete -c kata-preflight -n '__kata_preflight_at inspect' -a 'binary' -d 'An ELF binary'
complete -c kata-preflight -n '__kata_preflight_at "inspect image"; or __kata_preflight_at "inspect binary"' -F
complete -c kata-preflight -n '__kata_preflight_at "inspect image"; or __kata_preflight_at "inspect binary"' -l format -x -a 'text json' -d 'Output format'

# diff
complete -c kata-preflight -n '__kata_preflight_at diff' -l agent -r -F -d 'Agent side: image, binary or descriptor set'
complete -c kata-preflight -n '__kata_preflight_at diff' -l runtime -r -F -d 'Runtime side: binary or descriptor set'
complete -c kata-preflight -n '__kata_preflight_at diff' -l format -x -a 'text json' -d 'Output format'
complete -c kata-preflight -n '__kata_preflight_at diff' -l verbose -s v -d 'Log to stderr'

# matrix, releases
complete -c kata-preflight -n '__kata_preflight_at matrix' -l releases -d "Every protocol of Kata's releases against every other"
complete -c kata-preflight -n '__kata_preflight_at matrix; or __kata_preflight_at releases' -l agent -r -F -d 'Agent side: image, binary or descriptor set'
complete -c kata-preflight -n '__kata_preflight_at matrix; or __kata_preflight_at releases' -l runtime -r -F -d 'Runtime side: binary or descriptor set'
complete -c kata-preflight -n '__kata_preflight_at matrix' -l root -r -a '(__fish_complete_directories)' -d "Every image of this host against every runtime"
complete -c kata-preflight -n '__kata_preflight_at matrix' -l format -x -a 'text json tsv html' -d 'Output format'
complete -c kata-preflight -n '__kata_preflight_at matrix' -l quiet -s q -d 'No progress line on stderr'
complete -c kata-preflight -n '__kata_preflight_at releases' -l format -x -a 'text json' -d 'Output format'

# fingerprint, export-proto
complete -c kata-preflight -n '__kata_preflight_at fingerprint' -F
complete -c kata-preflight -n '__kata_preflight_at export-proto' -F
complete -c kata-preflight -n '__kata_preflight_at export-proto' -l output -s o -r -a '(__fish_complete_directories)' -d 'Directory for the .proto files'

# rules
complete -c kata-preflight -n '__kata_preflight_at rules' -l format -x -a 'text json markdown' -d 'Output format'

# hook
complete -c kata-preflight -n '__kata_preflight_at hook' -a 'apt' -d 'APT DPkg::Pre-Install-Pkgs hook'
complete -c kata-preflight -n '__kata_preflight_at hook' -a 'dnf' -d 'What the dnf plugin runs before rpm installs'
complete -c kata-preflight -n '__kata_preflight_at hook' -a 'check' -d 'What the postinst/%posttrans snippets run'
complete -c kata-preflight -n '__kata_preflight_at "hook apt"; or __kata_preflight_at "hook dnf"; or __kata_preflight_at "hook check"' -l root -r -a '(__fish_complete_directories)' -d 'Treat DIR as the host root'
complete -c kata-preflight -n '__kata_preflight_at "hook apt"; or __kata_preflight_at "hook dnf"; or __kata_preflight_at "hook check"' -l policy -r -F -d 'Policy file (TOML)'
complete -c kata-preflight -n '__kata_preflight_at "hook apt"; or __kata_preflight_at "hook dnf"; or __kata_preflight_at "hook check"' -l verbose -s v -d 'Log to stderr'
