using System.Text;
using System.Text.RegularExpressions;

namespace Kiln.Definitions;

/// <summary>
/// Packer's words and Kiln's: the one table that gives a precise hint where a Packer name appears in a Kiln definition,
/// drives the Packer importer, and is rendered as docs/coming-from-packer.md.
/// </summary>
public static class PackerNames
{
    public static IReadOnlyList<PackerName> All { get; } =
    [
        new(PackerScope.Template, "builders", "sources", "one entry per builder, keyed by a source name"),
        new(PackerScope.Template, "source", "sources", "an HCL2 `source \"qemu\" \"name\"` block is `sources: { name: { type: qemu } }`"),
        new(PackerScope.Template, "provisioners", "provision"),
        new(PackerScope.Template, "provisioner", "provision"),
        new(PackerScope.Template, "post-processors", "publish", "a chain of post-processors is a list inside the list"),
        new(PackerScope.Template, "post-processor", "publish"),
        new(PackerScope.Template, "sensitive-variables", "variables.<name>.sensitive", "mark each variable `sensitive: true`"),
        new(PackerScope.Template, "min_packer_version", null, "remove it; Kiln's version is the package's"),
        new(PackerScope.Template, "packer", null, "plugins are built into Kiln; `required_plugins` has nothing to say"),
        new(PackerScope.Template, "build", "sources", "a build block's sources, provisioners and post-processors are the definition's sources, provision and publish"),

        new(PackerScope.Builder, "vm_name", "output_name"),
        new(PackerScope.Builder, "format", "formats", "a list: several formats from one build"),
        new(PackerScope.Builder, "qemuargs", "qemu_args", "one flat list of arguments"),
        new(PackerScope.Builder, "machine_type", "machine"),
        new(PackerScope.Builder, "ssh_wait_timeout", "ssh_timeout"),
        new(PackerScope.Builder, "iso_url", "base.iso.url", "for an installer ISO; a ready disk (`disk_image: true`) is `base.image`"),
        new(PackerScope.Builder, "iso_urls", "base.iso.url", "one URL"),
        new(PackerScope.Builder, "iso_checksum", "base.iso.checksum", "for a disk image (`disk_image: true`) it is `base.checksum`, written sha256:<digest>"),
        new(PackerScope.Builder, "disk_image", "base.image", "the image path or URL goes in base.image"),
        new(PackerScope.Builder, "efi_boot", "firmware", "firmware: uefi"),
        new(PackerScope.Builder, "ssh_password", null, "Kiln logs in with a key pair it makes for each build and removes before capture"),
        new(PackerScope.Builder, "communicator", null, "Kiln always uses SSH (the docker builder talks to the engine)"),
        new(PackerScope.Builder, "output_directory", null, "outputs go to output/images/<image>/<source> (change with --output)"),
        new(PackerScope.Builder, "headless", null, "Kiln's machines are always headless"),
        new(PackerScope.Builder, "vnc_bind_address", null, "Kiln's machines are always headless"),
        new(PackerScope.Builder, "net_device", null, "Kiln uses virtio-net"),
        new(PackerScope.Builder, "disk_interface", null, "Kiln uses virtio"),
        new(PackerScope.Builder, "skip_compaction", null, "qcow2 outputs are always written compactly"),
        new(PackerScope.Builder, "host_port_min", null, "Kiln picks a free port itself"),
        new(PackerScope.Builder, "host_port_max", null, "Kiln picks a free port itself"),
        new(PackerScope.Builder, "run_tags", "tags"),

        new(PackerScope.Provisioner, "environment_vars", "env", "a mapping: `env: { NAME: value }` instead of [\"NAME=value\"]"),
        new(PackerScope.Provisioner, "ansible_env_vars", "env", "a mapping: `env: { ANSIBLE_X: value }`"),
        new(PackerScope.Provisioner, "pause_after", null, "give the next step a `pause_before`"),
        new(PackerScope.Provisioner, "skip_clean", null, "Kiln always removes the uploaded scripts"),
        new(PackerScope.Provisioner, "start_retry_timeout", "max_retries", "retries are counted, not timed"),
        new(PackerScope.Provisioner, "use_proxy", null, "Kiln's ansible connects straight to the machine over SSH"),
        new(PackerScope.Provisioner, "generated", null, "a downloaded or generated file is named with its path"),

        new(PackerScope.PostProcessor, "checksum_types", "types"),
        new(PackerScope.PostProcessor, "compression_level", "level", "compress; the vagrant publisher keeps compression_level"),
        new(PackerScope.PostProcessor, "provider_override", "provider"),
        new(PackerScope.PostProcessor, "environment_vars", "env", "shell-local: a mapping `env: { NAME: value }`"),

        new(PackerScope.PluginType, "powershell", null, "Kiln builds Linux images; run PowerShell from a `shell` step"),
        new(PackerScope.PluginType, "windows-restart", null, "Kiln builds Linux images; a `shell` step with `expect_disconnect: true` reboots"),
        new(PackerScope.PluginType, "windows-update", null, "Kiln builds Linux images"),
        new(PackerScope.PluginType, "docker-tag", "docker-push", "tags are docker-push's `tags`"),
        new(PackerScope.PluginType, "docker-import", null, "the docker builder commits the image itself"),
        new(PackerScope.PluginType, "vagrant-cloud", null, "upload the box from a `shell-local` publisher"),
        new(PackerScope.PluginType, "artifice", null, "publishers receive the build's artifacts; name extra files with `shell-local`"),
        new(PackerScope.PluginType, "utm-vagrant", null, "Kiln's vagrant publisher makes libvirt and virtualbox boxes"),

        new(PackerScope.Expression, "{{ user `x` }}", "{{ var.x }}"),
        new(PackerScope.Expression, "var.x", "{{ var.x }}", "HCL2: every reference goes inside {{ }}"),
        new(PackerScope.Expression, "local.x", "{{ local.x }}"),
        new(PackerScope.Expression, "{{ env `X` }}", "{{ env.X }}", "unset is an error unless wrapped in default(env.X, \"...\")"),
        new(PackerScope.Expression, "env(\"X\")", "{{ env.X }}"),
        new(PackerScope.Expression, "{{ timestamp }}", "{{ timestamp }}", "yyyyMMddHHmmss, not Unix seconds"),
        new(PackerScope.Expression, "timestamp()", "{{ timestamp }}"),
        new(PackerScope.Expression, "{{ uuid }}", "{{ uuid() }}"),
        new(PackerScope.Expression, "uuidv4()", "{{ uuid() }}"),
        new(PackerScope.Expression, "{{ build_name }}", "{{ build.source }}"),
        new(PackerScope.Expression, "source.name", "{{ build.source }}"),
        new(PackerScope.Expression, "{{ .HTTPIP }}", "{{ http.ip }}"),
        new(PackerScope.Expression, "{{ .HTTPPort }}", "{{ http.port }}"),
        new(PackerScope.Expression, "{{ .Path }}", "{path}", "in execute_command"),
        new(PackerScope.Expression, "{{ .Vars }}", "{vars}", "in execute_command"),
        new(PackerScope.Expression, "path.root", ".", "relative paths are relative to the definition's directory"),
        new(PackerScope.Expression, "lower(s), upper(s), trimspace(s), replace(s, a, b), join(sep, list), file(p), sha256(s)",
            "{{ lower(s) }}, {{ upper(s) }}, {{ trim(s) }}, {{ replace(s, a, b) }}, {{ join(list, sep) }}, {{ file(p) }}, {{ sha256(s) }}"),
        new(PackerScope.Expression, "{{ isotime }}", null, "use {{ timestamp }}"),
        new(PackerScope.Expression, "{{ build_type }}", null, "write the builder type itself"),
    ];

    /// <summary>The entry for a Packer key in a scope, if Packer has such a key and Kiln spells it differently.</summary>
    public static PackerName? Find(PackerScope scope, string packer) =>
        All.FirstOrDefault(n => n.Scope == scope && n.Packer == packer);

    /// <summary>A hint for a Packer expression written in a Kiln string (<c>{{ user `x` }}</c>, <c>{{ .HTTPIP }}</c>).</summary>
    public static string? ExpressionHint(string text)
    {
        if (text.Contains("user `", StringComparison.Ordinal))
        {
            return "Packer's {{ user `x` }} is {{ var.x }} in Kiln.";
        }

        if (text.Contains("env `", StringComparison.Ordinal))
        {
            return "Packer's {{ env `X` }} is {{ env.X }} in Kiln.";
        }

        var match = All.Where(n => n.Scope == PackerScope.Expression && n.Kiln is not null && n.Packer.StartsWith("{{ ", StringComparison.Ordinal))
            .FirstOrDefault(n => Regex.IsMatch(text, @"\{\{\s*" + Regex.Escape(n.Packer[3..^3]) + @"\s*\}\}"));
        return match is null ? null : $"Packer's {match.Packer} is {match.Kiln} in Kiln" + (match.Note is null ? "." : $" ({match.Note}).");
    }

    /// <summary>The hint for a key of a plugin config that Kiln does not know, when it is a Packer name.</summary>
    public static string? KeyHint(PackerScope scope, string key, Func<string, bool> kilnHasKey) =>
        Find(scope, key) is { } name && (name.Kiln is null || kilnHasKey(name.Kiln.Split('.')[0])) ? name.Hint : null;

    /// <summary>docs/coming-from-packer.md, generated from this table (a test keeps the committed page current).</summary>
    public static string RenderMarkdown()
    {
        var text = new StringBuilder();
        text.Append("""
            # Coming from Packer

            <!-- Generated from src/Kiln/Definitions/PackerNames.cs; regenerate with KILN_UPDATE_DOCS=1 dotnet test --project tests/Kiln.Tests/Kiln.Tests.csproj --filter "FullyQualifiedName~PackerNamesTests" -->

            Kiln reads one YAML file per image (`templates/<image>.kiln.yaml`, see [definitions.md](definitions.md)) where
            Packer reads a JSON or HCL2 template. Most keys keep Packer's names; this page lists the ones that do not.
            Where a Packer name appears in a Kiln definition, `./build.sh ValidateImages` says what Kiln calls it.
            `./build.sh ImportPacker --from path/to/template` translates a template (JSON, or a folder of `.pkr.hcl` files
            with their `*.pkrvars.hcl`) into definitions under `templates/` and reports, with `file:line`, every part it could not translate.

            """);
        foreach (var (scope, title) in new[]
        {
            (PackerScope.Template, "Template structure"),
            (PackerScope.Builder, "Builder keys"),
            (PackerScope.Provisioner, "Provisioner keys"),
            (PackerScope.PostProcessor, "Post-processor keys"),
            (PackerScope.PluginType, "Provisioner and post-processor types"),
            (PackerScope.Expression, "Expressions"),
        })
        {
            text.Append('\n').Append("## ").Append(title).Append("\n\n| Packer | Kiln | note |\n|---|---|---|\n");
            foreach (var name in All.Where(n => n.Scope == scope))
            {
                text.Append("| ").Append(Code(name.Packer)).Append(" | ")
                    .Append(name.Kiln is null ? "none" : Code(name.Kiln)).Append(" | ")
                    .Append(name.Note?.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |\n");
            }
        }

        return text.ToString();
    }

    private static string Code(string text)
    {
        var escaped = text.Replace("|", "\\|", StringComparison.Ordinal);
        return text.Contains('`', StringComparison.Ordinal) ? $"`` {escaped} ``" : $"`{escaped}`";
    }
}
