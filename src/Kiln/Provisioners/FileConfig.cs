using System.ComponentModel;
using Kiln.Definitions;

namespace Kiln.Provisioners;

[Description("Copies files and directories between the build host and the machine. Directories follow rsync's rule: `src/` copies the contents of src into the destination, `src` copies the directory src itself into it.")]
internal sealed class FileConfig : ProvisionerConfig, IValidatableConfig, ILocalPaths
{
    [Description("What to copy: a local path for uploads (relative to the definition file), a path on the machine for downloads.")]
    public string? Source { get; init; }

    [Description("Text to write to `destination` on the machine, instead of a `source` (uploads only).")]
    public string? Content { get; init; }

    [Description("Where to copy to. A destination ending in `/` is a directory the file is copied into; otherwise it is the new file's path.")]
    public required string Destination { get; init; }

    [Description("upload (build host to machine) or download (machine to build host).")]
    public FileDirection Direction { get; init; } = FileDirection.Upload;

    public IEnumerable<LocalPath> LocalPaths() =>
        this is { Direction: FileDirection.Upload, Source: { } source } ? [new LocalPath("source", source, LocalPathKind.FileOrDirectory)] : [];

    public IEnumerable<ConfigProblem> Validate()
    {
        if ((Source is null) == (Content is null))
        {
            yield return new ConfigProblem(
                "source", Source is null ? "nothing to copy" : "use either source or content, not both", "for example `source: files/motd`");
        }

        if (Content is not null && Direction == FileDirection.Download)
        {
            yield return new ConfigProblem("content", "content can only be uploaded", "use `direction: upload`, or `source:` to download a file");
        }

        if (Content is not null && Destination.EndsWith('/'))
        {
            yield return new ConfigProblem("destination", "content needs a file name, not a directory", "for example `destination: /etc/motd`");
        }

        if (string.IsNullOrWhiteSpace(Destination))
        {
            yield return new ConfigProblem("destination", "must not be empty");
        }
    }
}
