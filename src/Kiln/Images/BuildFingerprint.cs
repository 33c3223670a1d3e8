using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kiln.Definitions;
using Kiln.Plugins;
using Kiln.Secrets;

namespace Kiln.Images;

/// <summary>
/// The identity of one image × source build's inputs. Equal fingerprints mean the build would do the same work:
/// the resolved definition (secrets only as hashes), every local file its configs and provisioners read, the
/// fingerprints of the images it depends on, and Kiln's version. Time and random values (<c>{{ timestamp }}</c>,
/// <c>{{ uuid }}</c>) are pinned before resolving, so a name that changes every run is not a changed input.
/// </summary>
public static class BuildFingerprint
{
    /// <summary>Files larger than this are identified by size and modification time instead of content, as make does.</summary>
    private const long ContentHashLimit = 64L * 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    internal static readonly string KilnVersion =
        typeof(BuildFingerprint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The scope images are resolved with for fingerprinting: build-time values symbolic, time and uuid pinned.</summary>
    public static BuildScope Scope { get; } = BuildScope.Symbolic with { Timestamp = DateTimeOffset.UnixEpoch, NewUuid = () => Guid.Empty };

    public static string Compute(
        ResolvedImage image, ResolvedSource source, PluginCatalog catalog, IRedactor redactor, IEnumerable<string> dependencyFingerprints)
    {
        var directory = image.Directory;
        var document = new JsonObject
        {
            ["kiln"] = KilnVersion,
            ["image"] = image.Name,
            ["source"] = source.Name,
            ["type"] = source.Type,
            ["config"] = Node(source.Config),
            ["provision"] = new JsonArray([.. source.Provisioners.Select(p => Plugin(p.Type, p.Config))]),
            ["verify"] = new JsonArray([.. source.Verify.Select(p => Plugin(p.Type, p.Config))]),
            ["publish"] = new JsonArray([.. source.Publish.Select(chain => (JsonNode)new JsonArray([.. chain.Select(p => Plugin(p.Type, p.Config))]))]),
            ["dependencies"] = new JsonArray([.. dependencyFingerprints.Order(StringComparer.Ordinal).Select(f => (JsonNode)JsonValue.Create(f))]),
        };

        AddInputs(document, directory, source.Provisioners.Concat(source.Verify), catalog, source.Config);
        document["secrets"] = SecretHashes(image, image.SensitiveVariables);
        return Hash(document, redactor);
    }

    /// <summary>
    /// Adds <c>files</c> to <paramref name="document"/>: the identity of every local file a string in it names, every
    /// file <paramref name="provisioners"/> read, and every file in the folders <paramref name="sourceConfig"/> names as
    /// inputs (an installer's http_directory and cd_files: a changed preseed is a changed image).
    /// </summary>
    internal static void AddInputs(JsonObject document, string directory, IEnumerable<ResolvedPlugin<ProvisionerConfig>> provisioners, PluginCatalog catalog, object? sourceConfig = null)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        CollectExistingFiles(document, directory, files);
        if (sourceConfig is ILocalPaths local)
        {
            foreach (var path in local.LocalPaths().Where(p => p.Fingerprinted && LooksLikePath(p.Path)))
            {
                AddTree(Path.GetFullPath(path.Path, directory), files);
            }
        }

        foreach (var provisioner in provisioners)
        {
            if (catalog.Provisioners.TryGetValue(provisioner.Type, out var plugin))
            {
                foreach (var file in plugin.InputFiles(provisioner.Config))
                {
                    AddTree(Path.GetFullPath(file, directory), files);
                }
            }
        }

        document["files"] = new JsonObject(files.Select(f => KeyValuePair.Create(f, (JsonNode?)FileIdentity(f))));
    }

    /// <summary>The named sensitive variables as <c>name:sha256(value)</c>: a changed secret changes the hash, never shows.</summary>
    internal static JsonArray SecretHashes(ResolvedImage image, IEnumerable<string> names) =>
        [.. names.Order(StringComparer.Ordinal).Select(name => (JsonNode)JsonValue.Create($"{name}:{Sha256(image.Variables.GetValueOrDefault(name) ?? "")}"))];

    /// <summary>The canonical text holds secrets only as masks; their hashes carry their changes.</summary>
    internal static string Hash(JsonObject document, IRedactor redactor) => "sha256:" + Sha256(redactor.Redact(document.ToJsonString(Json)));

    internal static JsonNode Plugin(string type, object config) => new JsonObject { ["type"] = type, ["config"] = Node(config) };

    internal static JsonNode? Node(object config) => JsonSerializer.SerializeToNode(config, config.GetType(), Json);

    /// <summary>Any string in a config naming an existing local file is an input (base images, scripts, user data files).</summary>
    private static void CollectExistingFiles(JsonNode? node, string directory, SortedSet<string> files)
    {
        switch (node)
        {
            case JsonObject map:
                foreach (var (_, child) in map)
                {
                    CollectExistingFiles(child, directory, files);
                }

                break;
            case JsonArray list:
                foreach (var child in list)
                {
                    CollectExistingFiles(child, directory, files);
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text) && LooksLikePath(text):
                try
                {
                    var path = Path.GetFullPath(text, directory);
                    if (File.Exists(path))
                    {
                        files.Add(path);
                    }
                }
                catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
                {
                    // Not a path after all.
                }

                break;
        }
    }

    private static bool LooksLikePath(string text) =>
        text.Length is > 0 and < 4096 && !text.Contains('\n', StringComparison.Ordinal) && !text.Contains("://", StringComparison.Ordinal);

    private static void AddTree(string path, SortedSet<string> files)
    {
        if (File.Exists(path))
        {
            files.Add(path);
        }
        else if (Directory.Exists(path))
        {
            foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
            {
                files.Add(file);
            }
        }
    }

    private static string FileIdentity(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > ContentHashLimit)
        {
            return $"size:{info.Length},mtime:{info.LastWriteTimeUtc.Ticks}";
        }

        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
