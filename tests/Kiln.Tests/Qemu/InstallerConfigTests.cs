using System.Net;
using System.Security.Cryptography;
using Kiln.Builders.Qemu;
using Kiln.Builders.Qemu.Install;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Plugins;
using Kiln.Testing;

namespace Kiln.Tests.Qemu;

/// <summary>Installer definitions (iso, boot, boot_command, http_directory, cd_files, firmware) through the real loader and binder.</summary>
public sealed class InstallerConfigTests : IDisposable
{
    private readonly string _files = Directory.CreateTempSubdirectory("kiln-installer-config-").FullName;

    public void Dispose() => Directory.Delete(_files, recursive: true);

    private static IReadOnlyList<KilnDiagnostic> Problems(string yaml, string file = "/defs/image.kiln.yaml")
    {
        try
        {
            return DefinitionLoader.LoadText([(file, yaml)], new VariableInputs { Environment = new Dictionary<string, string>() }, PluginCatalog.Default).Validate();
        }
        catch (DefinitionException e)
        {
            return e.Diagnostics;
        }
    }

    private static QemuSourceConfig Bind(string yaml, string file = "/defs/image.kiln.yaml")
    {
        var set = DefinitionLoader.LoadText([(file, yaml)], new VariableInputs { Environment = new Dictionary<string, string>() }, PluginCatalog.Default);
        Assert.Empty(set.Validate());
        return Assert.IsType<QemuSourceConfig>(Assert.Single(set.Resolve("os", BuildScope.Symbolic).Sources).Config);
    }

    [Fact]
    public void A_packer_style_iso_install_binds_with_http_placeholders_left_for_the_build()
    {
        var config = Bind("""
            name: os
            sources:
              local:
                type: qemu
                base:
                  iso:
                    url: https://cdimage.example/debian-12.8.0-amd64-netinst.iso
                    checksum: "file:https://cdimage.example/SHA256SUMS"
                disk_size: 8G
                firmware: uefi
                boot_wait: 5s
                boot_command:
                  - "<esc><wait>"
                  - "auto url=http://{{ http.ip }}:{{http.port}}/preseed.cfg<enter>"
                http_content:
                  /preseed.cfg: "d-i debian-installer/locale string en_US"
                install_timeout: 30m
            """);
        Assert.True(config.Base.IsInstaller);
        Assert.Equal(QemuFirmware.Uefi, config.Firmware);
        Assert.Equal(TimeSpan.FromSeconds(5), config.BootWait);
        Assert.Equal("auto url=http://{{ http.ip }}:{{ http.port }}/preseed.cfg<enter>", config.BootCommand[1]);
        Assert.Equal("auto url=http://10.0.2.2:8123/preseed.cfg<enter>", BootCommand.Expand(config.BootCommand[1], "10.0.2.2", 8123));
    }

    [Fact]
    public void The_debian_netboot_kernel_binds_with_its_append_line()
    {
        var config = Bind("""
            name: os
            sources:
              local:
                type: qemu
                base:
                  boot:
                    kernel: linux
                    initrd: initrd.gz
                    append: "auto=true priority=critical url=http://{{ http.ip }}:{{ http.port }}/preseed.cfg"
            """, WithFiles("linux", "initrd.gz"));
        Assert.Equal("linux", config.Base.Boot!.Kernel);
        Assert.Contains(HttpPlaceholders.Port, config.Base.Boot.Append, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_in_boot_command_is_located_with_a_did_you_mean()
    {
        var problems = Problems("""
            name: os
            sources:
              local:
                type: qemu
                base: { iso: { path: /nonexistent/installer.iso } }
                boot_command:
                  - "<esc><wait>"
                  - "install<entr>"
            """);
        var problem = Assert.Single(problems, p => p.Message.Contains("<entr>", StringComparison.Ordinal));
        Assert.Contains("boot_command[1]", problem.Message, StringComparison.Ordinal);
        Assert.Equal("Did you mean 'enter'?", problem.Hint);
        Assert.Equal(8, problem.Location!.Line);
    }

    [Fact]
    public void Missing_http_directory_cd_files_and_iso_paths_are_located_errors()
    {
        var problems = Problems("""
            name: os
            sources:
              local:
                type: qemu
                base: { iso: { path: installer.iso } }
                http_directory: http
                cd_files: [answers/ks.cfg]
                cd_label: OEMDRV
            """);
        var http = Assert.Single(problems, p => p.Message.Contains("'http' does not exist (/defs/http)", StringComparison.Ordinal));
        Assert.Equal(6, http.Location!.Line);
        var cd = Assert.Single(problems, p => p.Message.Contains("'answers/ks.cfg' does not exist", StringComparison.Ordinal));
        Assert.Equal(7, cd.Location!.Line);
        var iso = Assert.Single(problems, p => p.Message.Contains("'installer.iso' does not exist (/defs/installer.iso)", StringComparison.Ordinal));
        Assert.Equal(5, iso.Location!.Line);
    }

    [Theory]
    [InlineData("base: { iso: { url: https://x.example/a.iso } }", "needs a checksum")]
    [InlineData("base: { iso: { url: https://x.example/a.iso, checksum: md5:abc } }", "is not a checksum")]
    [InlineData("base: { iso: { path: /a.iso, url: https://x.example/a.iso, checksum: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef } }", "exactly one of 'url' or 'path'")]
    [InlineData("base: { bootstrap: {} }\n    boot_command: [\"<enter>\"]", "boot_command is typed into an installer")]
    [InlineData("base: { bootstrap: {} }\n    secure_boot: true", "secure_boot needs firmware: uefi")]
    [InlineData("base: { bootstrap: {} }\n    http_content: { preseed.cfg: x }", "is not a URL path")]
    [InlineData("base: { bootstrap: {} }\n    boot_command_typo: []", "unknown key 'boot_command_typo'")]
    [InlineData("base: { bootstrap: {}, iso: { path: /a.iso } }", "exactly one of 'image' or 'bootstrap'")]
    public void Bad_installer_settings_are_reported(string settings, string expected)
    {
        var problems = Problems($"""
            name: os
            sources:
              local:
                type: qemu
                {settings}
            """);
        Assert.Contains(problems, p => p.Message.Contains(expected, StringComparison.Ordinal) && p.Location is not null);
    }

    private string WithFiles(params string[] names)
    {
        foreach (var name in names)
        {
            File.WriteAllText(Path.Combine(_files, name), "x");
        }

        return Path.Combine(_files, "image.kiln.yaml");
    }
}

public sealed class BootCommandTests
{
    private static IReadOnlyList<BootAction> Parse(string text)
    {
        Assert.True(BootCommand.TryParse(text, out var actions, out var error), error?.Message);
        return actions;
    }

    [Fact]
    public void Text_is_typed_on_a_us_keyboard_with_shift_for_capitals_and_symbols()
    {
        var keys = Parse("aZ9 :/_.").Select(a => string.Join('+', ((KeyPress)a).Keys));
        Assert.Equal(["a", "shift+z", "9", "spc", "shift+semicolon", "slash", "shift+minus", "dot"], keys);
    }

    [Fact]
    public void Special_keys_waits_and_held_modifiers_follow_packers_syntax()
    {
        Assert.Equal(
            [
                new KeyPress(["esc"]), new BootWait(TimeSpan.FromSeconds(1)), new BootWait(TimeSpan.FromSeconds(5)),
                new BootWait(TimeSpan.FromSeconds(10)), new BootWait(TimeSpan.FromMinutes(1)), new KeyPress(["f12"]),
                new KeyHold("ctrl", true), new KeyPress(["c"]), new KeyHold("ctrl", false), new KeyPress(["ret"]), new KeyPress(["ret"]),
            ],
            Parse("<esc><wait><wait5><wait10s><wait1m><F12><leftCtrlOn>c<leftCtrlOff><enter><return>"),
            new ActionComparer());
    }

    [Fact]
    public void A_lone_angle_bracket_is_text_and_an_unknown_key_is_an_error()
    {
        Assert.Equal(["shift+comma", "spc", "shift+dot"], Parse("< >").Select(a => string.Join('+', ((KeyPress)a).Keys)));
        Assert.False(BootCommand.TryParse("<leftCtrlOm>", out _, out var error));
        Assert.Equal("unknown key <leftCtrlOm>", error!.Message);
        Assert.Equal("Did you mean 'leftCtrlOn'?", error.Hint);
        Assert.False(BootCommand.TryParse("é", out _, out error));
        Assert.Contains("US keyboard", error!.Message, StringComparison.Ordinal);
    }

    private sealed class ActionComparer : IEqualityComparer<BootAction>
    {
        public bool Equals(BootAction? x, BootAction? y) => (x, y) switch
        {
            (KeyPress a, KeyPress b) => a.Keys.SequenceEqual(b.Keys),
            _ => object.Equals(x, y),
        };

        public int GetHashCode(BootAction obj) => 0;
    }
}

public sealed class IsoChecksumTests
{
    private const string Digest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData($"{Digest}  debian-12.8.0-amd64-netinst.iso")]
    [InlineData($"{Digest} *debian-12.8.0-amd64-netinst.iso")]
    [InlineData($"SHA256 (debian-12.8.0-amd64-netinst.iso) = {Digest}")]
    [InlineData($"{Digest}  ./images/debian-12.8.0-amd64-netinst.iso")]
    public void Finds_the_iso_in_sha256sums_and_bsd_style_lists(string line)
    {
        var list = $"ffff  other.iso\n{line}\n";
        Assert.Equal(Digest, IsoChecksum.Find(list, "debian-12.8.0-amd64-netinst.iso")!.Sha256);
        Assert.Null(IsoChecksum.Find(list, "debian-12.8.0-arm64-netinst.iso"));
    }
}

/// <summary>The build's HTTP server over real sockets, with .NET's HttpClient as the guest's wget.</summary>
public sealed class InstallerHttpServerTests
{
    [Fact]
    public async Task Serves_http_content_and_the_directory_logs_every_request_and_stays_inside_the_directory()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = Directory.CreateTempSubdirectory("kiln-http-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "www", "d-i"));
            await File.WriteAllTextAsync(Path.Combine(root, "www", "d-i", "preseed.cfg"), "from the directory\n", ct);
            await File.WriteAllTextAsync(Path.Combine(root, "secret.txt"), "outside\n", ct);
            var log = new TestLog();
            await using var server = InstallerHttpServer.Start(
                new HttpFiles(Path.Combine(root, "www"), new Dictionary<string, string> { ["/ks.cfg"] = "inline\n" }), log);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}/") };

            Assert.Equal("from the directory\n", await http.GetStringAsync("d-i/preseed.cfg", ct));
            Assert.Equal("inline\n", await http.GetStringAsync("ks.cfg", ct));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("missing.cfg", ct)).StatusCode);
            Assert.StartsWith("HTTP/1.0 404 ", await RawGetAsync(server.Port, "/d-i/../../secret.txt", ct), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync("ks.cfg", new StringContent("x"), ct)).StatusCode);

            Assert.Equal(["GET /d-i/preseed.cfg 200", "GET /ks.cfg 200", "GET /missing.cfg 404", "GET /d-i/../../secret.txt 404", "POST /ks.cfg 405"], server.Requests);
            Assert.Contains(log.Lines, l => l.Contains("http: GET /d-i/preseed.cfg 200", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A request as a minimal client sends it, dot segments and all (HttpClient would remove them).</summary>
    private static async Task<string> RawGetAsync(int port, string path, CancellationToken ct)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, ct);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET {path} HTTP/1.0\r\n\r\n"), ct);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(ct);
    }

    [Fact]
    public async Task An_iso_whose_digest_does_not_match_names_both_digests_and_nothing_enters_the_cache()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = Directory.CreateTempSubdirectory("kiln-iso-").FullName;
        try
        {
            var iso = RandomNumberGenerator.GetBytes(100_000);
            await File.WriteAllBytesAsync(Path.Combine(root, "installer.iso"), iso, ct);
            var actual = Convert.ToHexStringLower(SHA256.HashData(iso));
            var wrong = new string('0', 64);
            await using var server = InstallerHttpServer.Start(
                new HttpFiles(root, new Dictionary<string, string> { ["/SHA256SUMS"] = $"{actual}  installer.iso\n", ["/BADSUMS"] = $"{wrong}  installer.iso\n" }), new TestLog());
            var cache = Path.Combine(root, "cache");
            var url = $"http://127.0.0.1:{server.Port}/installer.iso";

            var error = await Assert.ThrowsAsync<KilnException>(() => ResolveAsync(url, $"file:http://127.0.0.1:{server.Port}/BADSUMS", cache, ct));
            Assert.Contains(actual, error.Message, StringComparison.Ordinal);
            Assert.Contains(wrong, error.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFiles(cache, "*.iso", SearchOption.AllDirectories));
            Assert.Empty(Directory.EnumerateFiles(cache, "*.download", SearchOption.AllDirectories));

            var path = await ResolveAsync(url, $"file:http://127.0.0.1:{server.Port}/SHA256SUMS", cache, ct);
            Assert.Equal(Path.Combine(cache, "iso", $"sha256-{actual}.iso"), path);
            Assert.Equal(iso, await File.ReadAllBytesAsync(path, ct));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<string> ResolveAsync(string url, string checksum, string cache, CancellationToken ct)
    {
        var config = new QemuSourceConfig { Base = new QemuBaseConfig { Iso = new QemuIsoConfig { Url = url, Checksum = checksum } } };
        var context = TestBuild.Context(config, type: "qemu");
        var state = new QemuBuildState(context, config);
        await new ResolveInstallerStep(new ImageCache(cache)).RunAsync(state, ct);
        return state.InstallerIsoPath!;
    }
}

public sealed class UefiFirmwareTests
{
    private static readonly System.Xml.Linq.XNamespace Vmw = "http://www.vmware.com/schema/ovf";

    [Fact]
    public void A_uefi_machine_gets_ovmf_code_read_only_and_its_own_variable_store()
    {
        var config = new QemuSourceConfig { Base = new QemuBaseConfig { Bootstrap = new DebianBootstrapConfig() }, Firmware = QemuFirmware.Uefi };
        var state = new QemuBuildState(TestBuild.Context(config, type: "qemu"), config);
        var build = state.MachineArguments("build");
        var verify = state.MachineArguments("verify");
        Assert.Equal(["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd", "-drive", $"if=pflash,format=raw,unit=1,file={state.UefiVarsPath("build")}"], build);
        Assert.NotEqual(state.UefiVarsPath("build"), state.UefiVarsPath("verify"));
        Assert.Contains($"if=pflash,format=raw,unit=1,file={state.UefiVarsPath("verify")}", verify);

        var secure = UefiFirmware.Arguments("/w/vars.fd", secureBoot: true);
        Assert.Contains("if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", secure);
        Assert.Contains("driver=cfi.pflash01,property=secure,value=on", secure);
        Assert.Equal("q35,smm=on", UefiFirmware.Machine("q35", secureBoot: true));
    }

    [Fact]
    public void A_bios_machine_gets_no_firmware_arguments_and_the_ovf_states_uefi_only_when_it_is()
    {
        var config = new QemuSourceConfig { Base = new QemuBaseConfig { Bootstrap = new DebianBootstrapConfig() } };
        Assert.Empty(new QemuBuildState(TestBuild.Context(config, type: "qemu"), config).MachineArguments("build"));

        var uefi = OvaPackage.Descriptor(new OvaPackage.Machine("web", 2, 1024, 8L << 30, Uefi: true), "web-disk1.vmdk", 1);
        var setting = Assert.Single(uefi.Descendants(Vmw + "Config"));
        Assert.Equal(("firmware", "efi"), (setting.Attribute(Vmw + "key")!.Value, setting.Attribute(Vmw + "value")!.Value));
        Assert.Empty(OvaPackage.Descriptor(new OvaPackage.Machine("web", 2, 1024, 8L << 30), "web-disk1.vmdk", 1).Descendants(Vmw + "Config"));
    }
}

public sealed class UefiBootDiskTests
{
    [Fact]
    public void A_uefi_bootable_disk_has_the_root_first_in_the_table_and_the_esp_before_it_on_disk()
    {
        var boot = new byte[512];
        var mbr = BiosBootDisk.MasterBootRecord(boot, 4L << 30, 42, UefiBootDisk.RootOffset, (UefiBootDisk.EspOffset, UefiBootDisk.EspSize));
        uint At(int offset) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(mbr.AsSpan(offset));
        Assert.Equal((0x80, 0x83), (mbr[0x1be], mbr[0x1be + 4]));
        Assert.Equal((uint)(UefiBootDisk.RootOffset / 512), At(0x1be + 8));
        Assert.Equal((uint)(((4L << 30) - UefiBootDisk.RootOffset) / 512), At(0x1be + 12));
        Assert.Equal((0x00, 0xef), (mbr[0x1ce], mbr[0x1ce + 4]));
        Assert.Equal((uint)(1 << 11), At(0x1ce + 8));
        Assert.Equal((uint)(UefiBootDisk.EspSize / 512), At(0x1ce + 12));
        Assert.True(UefiBootDisk.EspOffset + UefiBootDisk.EspSize <= UefiBootDisk.RootOffset);
    }
}

public sealed class InstallerSampleTests
{
    [Fact]
    public void The_debian_installer_sample_validates()
    {
        var file = Path.Combine(Kiln.Tests.Definitions.RepositoryFiles.Samples, "debian-installer.kiln.yaml");
        var set = DefinitionLoader.LoadText([(file, File.ReadAllText(file))], new VariableInputs { Environment = new Dictionary<string, string>() }, PluginCatalog.Default);
        Assert.Empty(set.Validate());
        var config = Assert.IsType<QemuSourceConfig>(Assert.Single(set.Resolve("debian-installer", BuildScope.Symbolic).Sources).Config);
        Assert.Equal(4, config.BootCommand.Count);
        Assert.All(config.BootCommand, line => Assert.True(BootCommand.TryParse(line, out _, out _)));
    }
}
