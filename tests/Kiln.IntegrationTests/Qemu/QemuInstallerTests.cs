using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kiln.Builders.Qemu;
using Kiln.Consoles;
using Kiln.Engine;
using Kiln.Images;
using Kiln.Plugins;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// The whole installer flow under TCG with real parts, as a user writes it: a definition whose base is an ISO the test
/// makes (GRUB waiting at its menu, Debian's kernel, a busybox installer), keystrokes typed over QMP, an answer file
/// and a disk image from Kiln's HTTP server; the installer makes a user with the answer file's password, and the
/// build then logs in with that password only (guest_init: none, no key reaches the guest), provisions with
/// <c>sudo -S</c>, shuts down with Packer's <c>echo … | sudo -S shutdown</c>, captures and verifies.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class QemuInstallerTests
{
    private const string Password = "install3r-Passw0rd-never-shown";

    [Fact]
    public async Task Types_the_boot_command_into_an_iso_installer_serves_its_answers_then_logs_in_with_the_answer_files_password_provisions_captures_and_verifies()
    {
        var ct = TestContext.Current.CancellationToken;
        var prepare = TestBuild.Context(new QemuSourceConfig { Base = new QemuBaseConfig { Bootstrap = new DebianBootstrapConfig() } }, type: "qemu");
        using var prepared = new DeletedAtEnd(prepare.WorkDirectory);
        var installer = await TestInstaller.GetAsync(prepare, QemuTestEnvironment.CacheDirectory, ct);
        var isoDigest = await ImageDownloader.HashAsync(installer.Iso, ct);

        var work = Directory.CreateTempSubdirectory("kiln-installer-build-").FullName;
        using var cleanup = new DeletedAtEnd(work);
        var templates = Directory.CreateDirectory(Path.Combine(work, "templates")).FullName;
        await File.WriteAllTextAsync(Path.Combine(templates, "installed.kiln.yaml"), Definition(), ct);
        var console = new StringWriter();

        var outcome = await KilnImages.BuildAsync(
            new ImageBuildSettings
            {
                Templates = templates,
                Vars = [$"password={Password}", $"iso={installer.Iso}", $"iso_sha256={isoDigest}", $"installer_files={Path.GetDirectoryName(installer.DiskImageGz)}"],
                WorkingDirectory = work,
                LedgerDirectory = Path.Combine(work, "ledger"),
                Environment = new Dictionary<string, string>(),
                Catalog = PluginCatalog.Default.With(builders: [new QemuBuilder(QemuTestEnvironment.CacheDirectory, Path.Combine(work, "layers"))]),
                Console = new PlainBuildConsole(console),
                Interaction = new NonInteractive(),
                Parallel = 1,
            },
            ct);

        var output = console.ToString();
        var result = Assert.Single(outcome.Results);
        Assert.True(result.Status == BuildStatus.Built, $"{result.Reason}\n{output}");
        // The keystrokes reached GRUB (the kernel got the answer file's URL) and the installer fetched both files.
        Assert.Contains("HTTP requests: GET /answer.cfg 200, GET /disk.img.gz 200", output, StringComparison.Ordinal);
        var qcow2 = Path.Combine(work, "output", "images", "installed", "local", "installed.qcow2");
        var info = JsonNode.Parse(await HostTool.RunAsync(prepare, "qemu-img", ["info", "--output=json", qcow2], ct))!;
        Assert.Equal(4L << 30, info["virtual-size"]!.GetValue<long>());
        Assert.Null(info["backing-filename"]);
        await HostTool.RunAsync(prepare, "qemu-img", ["check", qcow2], ct);

        // The password went to the guest (answer file, login, sudo -S, shutdown_command) and nowhere else.
        var manifest = await File.ReadAllTextAsync(outcome.ManifestPath, ct);
        Assert.DoesNotContain(Password, output + manifest, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(work, "output"), "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".qcow2", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(Password, await File.ReadAllTextAsync(file, ct), StringComparison.Ordinal);
        }

        var ledger = Path.Combine(work, "ledger");
        Assert.Empty(Directory.Exists(ledger) ? Directory.EnumerateFiles(ledger, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)) : []);
        Assert.False(QemuTestEnvironment.QemuRunning("kiln-installed-"));
    }

    /// <summary>A definition as a Packer user moving to Kiln would write it (strings JSON-quoted, which YAML reads as is).</summary>
    private static string Definition()
    {
        static string Quote(string text) => JsonSerializer.Serialize(text, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var bootCommand = GrubIso.BootCommand("console=ttyS0 no_timer_check kiln.answer=http://{{ http.ip }}:{{ http.port }}/answer.cfg");
        const string answer = """
            DISK=/dev/vda
            IMAGE=http://{{ http.ip }}:{{ http.port }}/disk.img.gz
            HOSTNAME=kiln-installed
            USER_NAME=packer
            USER_PASSWORD='{{ var.password }}'

            """;
        const string sudo = "echo '{{ var.password }}' | sudo -S sh {path}";
        return $$$"""
            name: installed
            variables:
              password: { type: string, sensitive: true }
              iso: { type: string }
              iso_sha256: { type: string }
              installer_files: { type: string }
            sources:
              local:
                type: qemu
                base:
                  iso: { path: "{{ var.iso }}", checksum: "sha256:{{ var.iso_sha256 }}" }
                disk_size: 4G
                cpus: 2
                memory: 1024
                accelerator: tcg
                boot_timeout: 20m
                ssh_timeout: 10m
                shutdown_timeout: 10m
                install_timeout: 30m
                # GRUB's menu waits for ever; "c" opens its command line, where the kernel gets the answer file's URL.
                boot_wait: 20s
                boot_command: [{{{string.Join(", ", bootCommand.Select(Quote))}}}]
                http_directory: "{{ var.installer_files }}"
                http_content:
                  /answer.cfg: {{{Quote(answer)}}}
                guest_init: none
                ssh_username: packer
                ssh_password: "{{ var.password }}"
                shutdown_command: {{{Quote("echo '{{ var.password }}' | sudo -S shutdown -P now")}}}
            provision:
              - shell:
                  execute_command: {{{Quote(sudo)}}}
                  inline: ["echo provisioned > /srv/provisioned"]
            verify:
              - shell:
                  execute_command: {{{Quote(sudo)}}}
                  inline:
                    - test "$(hostname)" = kiln-installed
                    - grep -q '^installed from http://10.0.2.2:[0-9]*/answer.cfg$' /etc/kiln-test-installer
                    - grep -q '^packer:\$6\$' /etc/shadow
                    - grep -qx provisioned /srv/provisioned
                    - test ! -s /home/packer/.ssh/authorized_keys
            publish:
              - manifest: {}

            """;
    }
}
