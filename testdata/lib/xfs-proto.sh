# Sourced by the fixture scripts that build XFS images with mkfs.xfs -p.
# xfs_protofile DIR: mkfs.xfs -p wants a prototype listing (name, type+mode, uid, gid, source file / link target).
xfs_proto_dir() {
  local dir="$1" indent="$2" name path mode
  while IFS= read -r name; do
    path="$dir/$name"
    mode="$(stat -c '%a' "$path")"
    mode="$(printf '%03o' "$((8#$mode & 8#777))")"
    if [ -L "$path" ]; then
      echo "$indent$name l--$mode 0 0 $(readlink "$path")"
    elif [ -d "$path" ]; then
      echo "$indent$name d--$mode 0 0"
      xfs_proto_dir "$path" "$indent  "
      echo "$indent\$"
    else
      echo "$indent$name ---$mode 0 0 $path"
    fi
  done < <(ls -A "$dir" | LC_ALL=C sort)
}
xfs_protofile() {
  echo "/dev/null"
  echo "0 0"
  echo "d--755 0 0"
  xfs_proto_dir "$1" " "
  echo "\$"
}
