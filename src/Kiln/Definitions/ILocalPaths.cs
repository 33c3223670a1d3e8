namespace Kiln.Definitions;

/// <summary>
/// A plugin config that names files on the build host the build will read (scripts, playbooks, templates, base
/// images, ...). Validation reports each one that does not exist at the key that names it, so a missing file fails
/// in seconds instead of minutes into a build; a new key joins the check by being listed here.
/// </summary>
public interface ILocalPaths
{
    IEnumerable<LocalPath> LocalPaths();
}

/// <summary>
/// A local path a config names. <see cref="PropertyPath"/> is the YAML key path inside the entry ("scripts[1]",
/// "base.image"); a relative <see cref="Path"/> is relative to the definition's directory.
/// </summary>
/// <param name="Fingerprinted">Whether the file's content is an input of the image (a working directory is not).</param>
public sealed record LocalPath(string PropertyPath, string Path, LocalPathKind Kind = LocalPathKind.File, bool Fingerprinted = true)
{
    /// <summary>A list property's entries, each at its index.</summary>
    public static IEnumerable<LocalPath> Each(string property, IEnumerable<string> paths, LocalPathKind kind = LocalPathKind.File) =>
        paths.Select((path, i) => new LocalPath($"{property}[{i}]", path, kind));
}

public enum LocalPathKind
{
    File,
    Directory,
    FileOrDirectory,
}
