using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Publishers;

/// <summary>
/// Builds a Vagrant box from the first qcow2 disk, OVA or VMware .vmx among the input artifacts, streaming the disk straight
/// into the compressed tar. Its artifact (builder type "vagrant", id the provider, like Packer's) holds the box,
/// with outputs <c>box</c> and <c>provider</c>, so a following github-release uploads it.
/// </summary>
internal sealed partial class VagrantPublisher : Publisher<VagrantConfig>
{
    public override string Type => "vagrant";

    protected override async Task<IReadOnlyList<Artifact>> PublishAsync(
        VagrantConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken)
    {
        var context = state.Context;
        var (provider, disk) = FindInput(config, inputs);
        var providerName = ConfigModel.SnakeCase(provider.ToString());
        var box = config.Output is { } output
            ? context.Image.ResolvePath(output)
            : Path.Combine(context.OutputDirectory, $"{context.BuildName}.{providerName}.box");
        var vagrantfile = config.VagrantfileTemplate is { } template
            ? await File.ReadAllTextAsync(context.Image.ResolvePath(template), cancellationToken)
            : null;

        var inputSize = provider == VagrantProvider.VmwareDesktop ? VmxFile.Members(disk).Sum(f => new FileInfo(f).Length) : new FileInfo(disk).Length;
        using var progress = context.Progress.Start($"vagrant box {Path.GetFileName(box)}", inputSize);
        await PartialFile.WriteAsync(box, context.Ledger, async (stream, ct) =>
        {
            await using var gzip = new GZipStream(stream, new ZLibCompressionOptions { CompressionLevel = config.CompressionLevel }, leaveOpen: true);
            await using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
            if (provider == VagrantProvider.Libvirt)
            {
                await WriteLibvirtAsync(tar, disk, vagrantfile, progress, ct);
            }
            else if (provider == VagrantProvider.VmwareDesktop)
            {
                await WriteVmwareAsync(tar, disk, vagrantfile, progress, ct);
            }
            else
            {
                await WriteVirtualboxAsync(tar, disk, vagrantfile, progress, ct);
            }

            foreach (var include in config.Include)
            {
                var path = context.Image.ResolvePath(include);
                await using var file = StreamCopy.OpenRead(path);
                await AddAsync(tar, Path.GetFileName(path), file, ct);
            }
        }, cancellationToken);

        var size = new FileInfo(box).Length;
        context.Log.Info($"vagrant: {providerName} box {box} ({size} bytes) from {disk}");
        return
        [
            new Artifact
            {
                BuilderType = Type,
                Id = providerName,
                Files = [new ArtifactFile(box, size)],
                Outputs = new Dictionary<string, string> { ["box"] = box, ["provider"] = providerName },
            },
        ];
    }

    internal static string DefaultVagrantfile(VagrantProvider provider, string? baseMac) => provider switch
    {
        VagrantProvider.Libvirt => """
            Vagrant.configure("2") do |config|
              config.vm.provider :libvirt do |libvirt|
                libvirt.driver = "kvm"
              end
            end

            """,
        _ => baseMac is null
            ? "Vagrant.configure(\"2\") do |config|\nend\n"
            : $"Vagrant.configure(\"2\") do |config|\n  config.vm.base_mac = \"{baseMac}\"\nend\n",
    };

    private static (VagrantProvider Provider, string Disk) FindInput(VagrantConfig config, IReadOnlyList<Artifact> inputs)
    {
        var files = inputs.SelectMany(a => a.Files).Select(f => Path.GetFullPath(f.Path)).Where(File.Exists).ToList();
        foreach (var file in files)
        {
            if (config.Provider is null or VagrantProvider.Libvirt && DiskImage.IsQcow2(file))
            {
                return (VagrantProvider.Libvirt, file);
            }

            if (config.Provider is null or VagrantProvider.Virtualbox && DiskImage.IsOva(file))
            {
                return (VagrantProvider.Virtualbox, file);
            }

            if (config.Provider is null or VagrantProvider.VmwareDesktop && VmxFile.Is(file))
            {
                return (VagrantProvider.VmwareDesktop, file);
            }
        }

        var wanted = config.Provider switch
        {
            VagrantProvider.Libvirt => "a qcow2 disk (provider libvirt)",
            VagrantProvider.Virtualbox => "an OVA (provider virtualbox)",
            VagrantProvider.VmwareDesktop => "a VMware .vmx (provider vmware_desktop)",
            _ => "a qcow2 disk, an OVA or a VMware .vmx",
        };
        throw new KilnException(
            $"vagrant: none of the input files is {wanted}: {(files.Count == 0 ? "no files" : string.Join(", ", files))}",
            "put vagrant in a chain right after a source that produces qcow2, ova or vmx (qemu formats), before compress");
    }

    private static async Task WriteLibvirtAsync(TarWriter tar, string disk, string? vagrantfile, IProgressTask progress, CancellationToken cancellationToken)
    {
        const long Gigabyte = 1024L * 1024 * 1024;
        var virtualSize = Math.Max(1, (DiskImage.Qcow2VirtualSize(disk) + Gigabyte - 1) / Gigabyte);
        var metadata = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["provider"] = "libvirt",
            ["format"] = "qcow2",
            ["virtual_size"] = virtualSize,
        });
        await AddAsync(tar, "metadata.json", metadata, cancellationToken);
        await AddAsync(tar, "Vagrantfile", Encoding.UTF8.GetBytes(vagrantfile ?? DefaultVagrantfile(VagrantProvider.Libvirt, null)), cancellationToken);
        await using var image = new ProgressReadStream(StreamCopy.OpenRead(disk), progress);
        await AddAsync(tar, "box.img", image, cancellationToken);
    }

    /// <summary>The vmx and every disk it names, side by side at the box's root as the vmware_desktop provider expects.</summary>
    private static async Task WriteVmwareAsync(TarWriter tar, string vmx, string? vagrantfile, IProgressTask progress, CancellationToken cancellationToken)
    {
        await AddAsync(tar, "metadata.json", """{"provider":"vmware_desktop"}"""u8.ToArray(), cancellationToken);
        await AddAsync(tar, "Vagrantfile", Encoding.UTF8.GetBytes(vagrantfile ?? DefaultVagrantfile(VagrantProvider.VmwareDesktop, null)), cancellationToken);
        foreach (var member in VmxFile.Members(vmx))
        {
            await using var file = new ProgressReadStream(StreamCopy.OpenRead(member), progress);
            await AddAsync(tar, Path.GetFileName(member), file, cancellationToken);
        }
    }

    /// <summary>The OVA's members go into the box one by one; the descriptor becomes box.ovf, the now stale .mf is dropped.</summary>
    private static async Task WriteVirtualboxAsync(TarWriter tar, string ova, string? vagrantfile, IProgressTask progress, CancellationToken cancellationToken)
    {
        await AddAsync(tar, "metadata.json", """{"provider":"virtualbox"}"""u8.ToArray(), cancellationToken);
        await using var stream = StreamCopy.OpenRead(ova);
        await using var reader = new TarReader(stream);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            var name = Path.GetFileName(entry.Name);
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
            {
                continue;
            }

            if (name.EndsWith(".ovf", StringComparison.OrdinalIgnoreCase))
            {
                using var text = new MemoryStream();
                await entry.DataStream.CopyToAsync(text, cancellationToken);
                var mac = MacAddress().Match(Encoding.UTF8.GetString(text.ToArray()));
                await AddAsync(tar, "box.ovf", text.ToArray(), cancellationToken);
                await AddAsync(
                    tar, "Vagrantfile",
                    Encoding.UTF8.GetBytes(vagrantfile ?? DefaultVagrantfile(VagrantProvider.Virtualbox, mac.Success ? mac.Groups[1].Value : null)),
                    cancellationToken);
            }
            else if (!name.EndsWith(".mf", StringComparison.OrdinalIgnoreCase))
            {
                await AddAsync(tar, name, new ProgressReadStream(entry.DataStream, progress), cancellationToken);
            }
        }
    }

    private static Task AddAsync(TarWriter tar, string name, byte[] content, CancellationToken cancellationToken) =>
        AddAsync(tar, name, new MemoryStream(content), cancellationToken);

    private static async Task AddAsync(TarWriter tar, string name, Stream content, CancellationToken cancellationToken)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = content,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            ModificationTime = DateTimeOffset.UtcNow,
        };
        await tar.WriteEntryAsync(entry, cancellationToken);
    }

    [GeneratedRegex("MACAddress=\"([0-9A-Fa-f]{12})\"")]
    private static partial Regex MacAddress();
}
