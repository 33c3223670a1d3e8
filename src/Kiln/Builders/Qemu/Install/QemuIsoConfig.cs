using System.ComponentModel;
using Kiln.Definitions;

namespace Kiln.Builders.Qemu.Install;

[Description("An installer ISO: a URL (downloaded into the cache, resumed, verified) or a local path, with its checksum.")]
internal sealed class QemuIsoConfig
{
    [Description("http(s) URL of the ISO; it is downloaded once into the image cache, keyed by its checksum.")]
    public string? Url { get; init; }

    [Description("Path of a local ISO (relative to the definition's directory), instead of url.")]
    public string? Path { get; init; }

    [Description("\"sha256:<64 hex digits>\", or \"file:<URL or path of a SHA256SUMS file>\" listing the ISO's file name. Required for url.")]
    public string? Checksum { get; init; }

    internal IEnumerable<ConfigProblem> Validate()
    {
        if ((Url is null) == (Path is null))
        {
            yield return new ConfigProblem("", "iso needs exactly one of 'url' or 'path'", "e.g. iso: { url: https://.../debian-12-netinst.iso, checksum: \"file:https://.../SHA256SUMS\" }");
        }

        if (Url is not null && !ImageSource.IsUrl(Url))
        {
            yield return new ConfigProblem("url", $"'{Url}' is not an http(s) URL", "use path: for a local file");
        }

        if (Url is not null && Checksum is null)
        {
            yield return new ConfigProblem("checksum", "a downloaded ISO needs a checksum", "add checksum: sha256:<digest>, or checksum: \"file:<URL of SHA256SUMS>\"");
        }

        if (Checksum is not null && !IsoChecksum.IsValid(Checksum))
        {
            yield return new ConfigProblem("checksum", $"'{Checksum}' is not a checksum", "write sha256: followed by 64 hex digits, or file: followed by the URL or path of a SHA256SUMS file");
        }
    }
}
