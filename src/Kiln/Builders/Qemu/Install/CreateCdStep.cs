using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Install;

/// <summary>Makes the cd_files CD (labelled cd_label) in the work directory; the installing and the build machine get it as a CD drive.</summary>
internal sealed class CreateCdStep : IStep<QemuBuildState>
{
    private ILedgerEntry? _entry;

    public string Name => "create cd_files CD";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(state.Context.Image.FilePath)!;
        var iso = Path.Combine(state.Context.WorkDirectory, $"{state.OutputName}-cd_files.iso");
        Directory.CreateDirectory(state.Context.WorkDirectory);
        _entry = await state.Context.Ledger.RecordAsync(new LedgerResource("file", iso), cancellationToken);
        var sources = state.Config.CdFiles.Select(f => ImageSource.LocalPath(f, directory)).ToList();
        await CdImage.CreateAsync(state.Context, sources, state.Config.CdLabel, iso, cancellationToken);
        state.CdFilesIsoPath = iso;
    }

    public async Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        if (_entry is null)
        {
            return;
        }

        File.Delete(_entry.Resource.Id);
        await _entry.ReleaseAsync(cancellationToken);
        _entry = null;
        state.CdFilesIsoPath = null;
    }
}
