using System.Globalization;
using System.Text;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kiln.Builders.Qemu;

/// <summary>
/// A NoCloud seed for one boot: user-data that makes the build user (passwordless sudo, the boot's key) and notes in
/// /run whether that user existed before, meta-data with a fresh instance-id (so cloud-init treats every boot Kiln
/// makes as a new instance), and the user's own cloud-init data merged in. Written as a "cidata" ISO by
/// cloud-image-utils' cloud-localds.
/// </summary>
internal static class CloudInitSeed
{
    /// <summary>Present in the guest (until it reboots) when Kiln's seed created the build user, which the capture then removes.</summary>
    public const string CreatedUserMarker = "/run/kiln-build-user-created";

    /// <summary>Whether machines get a seed: with cloud_init, and with auto unless the base is Kiln's own bootstrap without cloud-init.</summary>
    public static bool Enabled(QemuSourceConfig config) => config.GuestInit switch
    {
        GuestInit.CloudInit => true,
        GuestInit.Auto => config.Base.Bootstrap is not { CloudInit: false },
        _ => false,
    };

    /// <summary>Whether machines get the key through fw_cfg: with kiln, and with auto unless the base is a bootstrapped cloud image.</summary>
    public static bool UsesFirmwareConfig(QemuSourceConfig config) => config.GuestInit switch
    {
        GuestInit.Kiln => true,
        GuestInit.Auto => config.Base.Bootstrap is not { CloudInit: true },
        _ => false,
    };

    public static string UserData(QemuSourceConfig config, string publicKey)
    {
        var user = config.SshUsername;
        var kiln = new YamlMappingNode
        {
            { "bootcmd", new YamlSequenceNode(new YamlScalarNode($"id -u '{user}' >/dev/null 2>&1 || touch {CreatedUserMarker}")) },
        };
        if (user == "root")
        {
            kiln.Add("disable_root", new YamlScalarNode("false") { Style = ScalarStyle.Plain });
            kiln.Add("ssh_authorized_keys", new YamlSequenceNode(new YamlScalarNode(publicKey.Trim())));
        }
        else
        {
            kiln.Add("users", new YamlSequenceNode(new YamlMappingNode
            {
                { "name", user },
                { "sudo", "ALL=(ALL) NOPASSWD:ALL" },
                { "shell", "/bin/bash" },
                { "lock_passwd", new YamlScalarNode("true") { Style = ScalarStyle.Plain } },
                { "ssh_authorized_keys", new YamlSequenceNode(new YamlScalarNode(publicKey.Trim())) },
            }));
        }

        var own = config.CloudInit?.UserData;
        if (string.IsNullOrWhiteSpace(own))
        {
            return CloudConfig(kiln);
        }

        if (IsCloudConfig(own))
        {
            var merged = (YamlMappingNode)ParseMapping(own, "user_data")!;
            Merge(merged, kiln);
            return CloudConfig(merged);
        }

        return Multipart(CloudConfig(kiln), own);
    }

    public static string MetaData(QemuSourceConfig config, string instanceId, string hostname)
    {
        var meta = ParseMapping(config.CloudInit?.MetaData, "meta_data") ?? new YamlMappingNode();
        meta.Children[new YamlScalarNode("instance-id")] = new YamlScalarNode(instanceId);
        if (!meta.Children.ContainsKey(new YamlScalarNode("local-hostname")))
        {
            meta.Children[new YamlScalarNode("local-hostname")] = new YamlScalarNode(hostname);
        }

        return Emit(meta);
    }

    /// <summary>Writes the seed files and the ISO into <paramref name="directory"/> and returns the ISO's path.</summary>
    public static async Task<string> WriteAsync(BuildContext context, QemuSourceConfig config, string publicKey, string role, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var instanceId = $"kiln-{role}-{Guid.NewGuid():N}";
        var hostname = string.Concat(context.Image.Name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')).ToLowerInvariant();
        var userData = Path.Combine(directory, "user-data");
        var metaData = Path.Combine(directory, "meta-data");
        await File.WriteAllTextAsync(userData, UserData(config, publicKey), cancellationToken);
        await File.WriteAllTextAsync(metaData, MetaData(config, instanceId, hostname), cancellationToken);
        var iso = Path.Combine(directory, "seed.iso");
        var arguments = new List<string>();
        if (config.CloudInit?.NetworkConfig is { } network && !string.IsNullOrWhiteSpace(network))
        {
            var networkConfig = Path.Combine(directory, "network-config");
            await File.WriteAllTextAsync(networkConfig, network, cancellationToken);
            arguments.AddRange(["--network-config", networkConfig]);
        }

        arguments.AddRange([iso, userData, metaData]);
        await HostTool.RunAsync(context, "cloud-localds", arguments, cancellationToken);
        context.Log.Info($"cloud-init seed for the {role} machine: instance-id {instanceId}");
        return iso;
    }

    public static IEnumerable<ConfigProblem> Validate(QemuSourceConfig config)
    {
        if (config.CloudInit is not { } own)
        {
            yield break;
        }

        if (config.GuestInit is not (GuestInit.Auto or GuestInit.CloudInit))
        {
            yield return new ConfigProblem("cloud_init", $"cloud_init is not used with guest_init: {Snake(config.GuestInit)}", "use guest_init: auto or cloud_init");
        }

        foreach (var (key, text, mustBeMapping) in new[] { ("cloud_init.user_data", own.UserData, false), ("cloud_init.meta_data", own.MetaData, true) })
        {
            if (string.IsNullOrWhiteSpace(text) || !(mustBeMapping || IsCloudConfig(text)))
            {
                if (text is not null && text.TrimStart().StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))
                {
                    yield return new ConfigProblem(key, "a MIME multipart user_data cannot be merged with Kiln's seed", "give a #cloud-config document or a single script");
                }

                continue;
            }

            var problem = ParseProblem(text, key);
            if (problem is not null)
            {
                yield return problem;
            }
        }
    }

    private static ConfigProblem? ParseProblem(string text, string key)
    {
        try
        {
            ParseMapping(text, key);
            return null;
        }
        catch (KilnException ex)
        {
            return new ConfigProblem(key, ex.Message, ex.Hint);
        }
    }

    private static bool IsCloudConfig(string text) => text.TrimStart().StartsWith("#cloud-config", StringComparison.Ordinal);

    private static YamlMappingNode? ParseMapping(string? text, string key)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new KilnException($"{key} is not valid YAML: {ex.Message} (line {ex.Start.Line.ToString(CultureInfo.InvariantCulture)} of the value)", "cloud-init would reject it at boot");
        }

        if (stream.Documents.Count == 0)
        {
            return null;
        }

        return stream.Documents[0].RootNode as YamlMappingNode
            ?? throw new KilnException($"{key} must be a YAML mapping", "e.g. packages: [nginx]");
    }

    /// <summary>Kiln's keys into the user's: lists are appended, mappings merged, and on a scalar clash Kiln's value wins (the build needs it).</summary>
    private static void Merge(YamlMappingNode into, YamlMappingNode kiln)
    {
        foreach (var (key, value) in kiln.Children)
        {
            if (into.Children.TryGetValue(key, out var existing) && existing is YamlSequenceNode list && value is YamlSequenceNode more)
            {
                foreach (var item in more.Children)
                {
                    list.Add(item);
                }
            }
            else if (existing is YamlMappingNode map && value is YamlMappingNode moreMap)
            {
                Merge(map, moreMap);
            }
            else
            {
                into.Children[key] = value;
            }
        }
    }

    private static string CloudConfig(YamlMappingNode document) => "#cloud-config\n" + Emit(document);

    private static string Emit(YamlNode node)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        var text = writer.ToString();
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    private static string Multipart(string kilnPart, string ownPart)
    {
        var boundary = "kiln-" + Guid.NewGuid().ToString("N");
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Content-Type: multipart/mixed; boundary=\"{boundary}\"\nMIME-Version: 1.0\n\n");
        foreach (var (type, part) in new[] { ("text/cloud-config", kilnPart), ("text/plain", ownPart) })
        {
            // text/plain: cloud-init tells the part's kind from its first line (#!, #cloud-boothook, #include ...).
            text.Append(CultureInfo.InvariantCulture, $"--{boundary}\nContent-Type: {type}; charset=\"utf-8\"\nMIME-Version: 1.0\n\n{part.TrimEnd()}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"--{boundary}--\n");
        return text.ToString();
    }

    private static string Snake(GuestInit value) => value == GuestInit.CloudInit ? "cloud_init" : value.ToString().ToLowerInvariant();
}
