using Kiln.Packer;
using Kiln.Plugins;
using Kiln.Tests.Definitions;

namespace Kiln.Tests.Qemu;

/// <summary>
/// The eight public Packer templates issue 16 was measured against, as Kiln definitions that validate clean. Where a
/// template is a fixture (tests/Kiln.Tests/Packer/Fixtures, sources in SOURCES.md) it is imported with ImportPacker and
/// the result validated; the others are written here in the template's own pattern, with its source named. What a
/// pattern needs and Kiln cannot express is said at the definition.
/// </summary>
public sealed class PublicTemplatePatternTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(RepositoryFiles.Root, "tests", "Kiln.Tests", "Packer", "Fixtures");

    private const string Sha256 = "sha256:5f6b6c4b3e8a3c1f9b2f1a0e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c";

    private readonly string _directory = Directory.CreateTempSubdirectory("kiln-patterns-").FullName;

    public PublicTemplatePatternTests()
    {
        Write("http/preseed.cfg", "d-i passwd/user-password password vagrant\n");
        Write("http/user-data", "#cloud-config\nautoinstall:\n  version: 1\n");
        Write("http/meta-data", "");
        Write("seed/user-data", "#cloud-config\npassword: ubuntu\nchpasswd: { expire: false }\nssh_pwauth: true\n");
        Write("seed/meta-data", "instance-id: packer\n");
        Write("scripts/cleanup.sh", "#!/bin/sh\napt-get clean\n");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>chef/bento (Debian 12, Ubuntu 24.04) and hashicorp/packer-plugin-qemu's BIOS example, imported.</summary>
    [Theory]
    [InlineData("bento/packer_templates", "bento/os_pkrvars/debian/debian-12-x86_64.pkrvars.hcl", "debian-12.14.0-amd64-netinst.iso")]
    [InlineData("bento/packer_templates", "bento/os_pkrvars/ubuntu/ubuntu-24.04-x86_64.pkrvars.hcl", "ubuntu-24.04.4-live-server-amd64.iso")]
    [InlineData("packer-plugin-qemu/example/build.pkr.hcl", null, "ubuntu-16.04.7-server-amd64.iso")]
    public void An_imported_public_template_validates_clean(string template, string? varFile, string iso)
    {
        var templates = Path.Combine(_directory, "imported");
        var result = PackerImporter.Import(new PackerImportSettings
        {
            From = Path.Combine(Fixtures, template),
            VarFiles = varFile is null ? [] : [Path.Combine(Fixtures, varFile)],
            Templates = templates,
        });

        var path = Assert.Single(result.Written);
        var yaml = File.ReadAllText(path);
        Assert.Contains(iso, yaml, StringComparison.Ordinal);
        Assert.Contains("boot_command:", yaml, StringComparison.Ordinal);
        Assert.Contains("ssh_password:", yaml, StringComparison.Ordinal);
        Assert.Empty(PackerImporter.Validate([(path, yaml)], PluginCatalog.Default));
    }

    public static TheoryData<string, string> WrittenPatterns => new()
    {
        {
            // hashicorp/packer-plugin-qemu, its EFI example: the BIOS example with efi_boot = true and OVMF's files.
            // efi_firmware_code/efi_firmware_vars are Kiln's choice (Debian's ovmf package), not settings.
            "packer-plugin-qemu-efi", $$$"""
            variables:
              password: { type: string, sensitive: true, default: ubuntu }
            sources:
              qemu:
                type: qemu
                base:
                  iso: { url: "https://releases.ubuntu.com/16.04/ubuntu-16.04.7-server-amd64.iso", checksum: "{{{Sha256}}}" }
                firmware: uefi
                disk_size: 5000M
                formats: [qcow2]
                http_directory: http
                boot_wait: 10s
                boot_command: ["<esc><wait>", "linux /install/vmlinuz auto=true priority=critical url=http://{{ http.ip }}:{{ http.port }}/preseed.cfg<enter>", "initrd /install/initrd.gz<enter>", "boot<enter>"]
                ssh_username: ubuntu
                ssh_password: "{{ var.password }}"
                ssh_timeout: 20m
                shutdown_command: "echo '{{ var.password }}' | sudo -S shutdown -P now"
            """
        },
        {
            // kubernetes-sigs/image-builder, images/capi/packer/qemu (qemu-ubuntu-2404.json): the live server ISO with
            // Subiquity's autoinstall from the build's HTTP server (ds=nocloud-net), a password login, and Packer's
            // "echo '<password>' | sudo -S -E sh -c '...'" shutdown. Its ISO checksum is a checksum list.
            "image-builder-qemu", $$$"""
            variables:
              ssh_password: { type: string, sensitive: true, default: builder }
            sources:
              qemu:
                type: qemu
                base:
                  iso:
                    url: "https://old-releases.ubuntu.com/releases/noble/ubuntu-24.04.1-live-server-amd64.iso"
                    checksum: "file:https://old-releases.ubuntu.com/releases/noble/SHA256SUMS"
                disk_size: 20480M
                cpus: 2
                memory: 4096
                http_directory: http
                boot_wait: 10s
                boot_command: ["c", "linux /casper/vmlinuz --- autoinstall ds='nocloud-net;s=http://{{ http.ip }}:{{ http.port }}/'", "<enter><wait>", "initrd /casper/initrd<enter><wait>", "boot<enter>"]
                ssh_username: builder
                ssh_password: "{{ var.ssh_password }}"
                ssh_timeout: 2h
                shutdown_command: "echo '{{ var.ssh_password }}' | sudo -S -E sh -c 'usermod -L builder && shutdown -P now'"
            provision:
              - shell:
                  execute_command: "echo '{{ var.ssh_password }}' | sudo -S -E sh {path}"
                  scripts: [scripts/cleanup.sh]
            """
        },
        {
            // kubernetes-sigs/image-builder, qemu-ubuntu-2204-cloudimg.json: Ubuntu's cloud image as the disk, its
            // cloud-init seed on a cd_files CD labelled cidata, a password login. Not expressible: the base image's
            // checksum as a "file:<SHA256SUMS URL>" list (only base.iso takes one); the digest is written out instead.
            "image-builder-cloudimg", $$$"""
            sources:
              qemu:
                type: qemu
                base:
                  image: "https://cloud-images.ubuntu.com/jammy/current/jammy-server-cloudimg-amd64.img"
                  checksum: "{{{Sha256}}}"
                guest_init: none
                cd_files: [seed/user-data, seed/meta-data]
                cd_label: cidata
                ssh_username: ubuntu
                ssh_password: ubuntu
                shutdown_command: "echo 'ubuntu' | sudo -S shutdown -P now"
            """
        },
        {
            // canonical/packer-maas, ubuntu-cloudimg.pkr.hcl: a cloud image customised through cloud-init; Kiln's own
            // seed carries the key and the user's user-data is merged into it.
            "packer-maas-cloudimg", $$$"""
            sources:
              qemu:
                type: qemu
                base:
                  image: "https://cloud-images.ubuntu.com/jammy/current/jammy-server-cloudimg-amd64.img"
                  checksum: "{{{Sha256}}}"
                guest_init: cloud_init
                ssh_username: ubuntu
                cloud_init:
                  user_data: '{{ file("seed/user-data") }}'
                  meta_data: "local-hostname: maas"
                disk_size: 8G
                formats: [raw]
                shutdown_command: "sudo -S shutdown -P now"
            """
        },
        {
            // geerlingguy/packer-boxes, debian12/box-config.json: the netinst ISO, a preseed over HTTP, the vagrant
            // password login and "echo 'vagrant' | sudo -S shutdown -P now".
            "geerlingguy-debian12", $$$"""
            sources:
              qemu:
                type: qemu
                base:
                  iso: { url: "https://cdimage.debian.org/cdimage/archive/12.5.0/amd64/iso-cd/debian-12.5.0-amd64-netinst.iso", checksum: "{{{Sha256}}}" }
                http_directory: http
                boot_wait: 5s
                boot_command: ["<esc><wait>", "install auto=true priority=critical url=http://{{ http.ip }}:{{ http.port }}/preseed.cfg hostname=debian12 domain=local <enter>"]
                ssh_username: vagrant
                ssh_password: vagrant
                ssh_pty: true
                ssh_timeout: 30m
                shutdown_command: "echo 'vagrant' | sudo -S shutdown -P now"
                formats: [qcow2, vmdk]
            """
        },
    };

    [Theory]
    [MemberData(nameof(WrittenPatterns))]
    public void A_public_templates_pattern_written_for_kiln_validates_clean(string name, string definition)
    {
        var path = Write($"{name}.kiln.yaml", $"name: {name}\n{definition}\n");

        Assert.Empty(PackerImporter.Validate([(path, File.ReadAllText(path))], PluginCatalog.Default));
    }

    private string Write(string relativePath, string text)
    {
        var path = Path.Combine(_directory, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
