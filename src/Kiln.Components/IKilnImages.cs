using Kiln.Components.Ci;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Images;
using Kiln.Model;
using Kiln.Packer;
using Kiln.Sessions;
using Kiln.Targets;

namespace Kiln.Components;

/// <summary>
/// Kiln's image definitions as targets of a build: add this interface to a build class (and give it a Compile target)
/// and <c>./build.sh BuildImages</c> compiles, then bakes, verifies and publishes every definition under templates/.
/// The stage targets follow builds that run freely in parallel: each completes when every build has passed its stage.
/// </summary>
public interface IKilnImages : IKilnBuild
{
    /// <summary>The build's compile target; images are baked from what it produced.</summary>
    Target Compile { get; }

    [Parameter("Image definitions to build: names or globs (default: all).")]
    string[] Image => this.Parameter<string[]>() ?? [];

    [Parameter("Build only these sources: names or globs.")]
    string[] Only => this.Parameter<string[]>() ?? [];

    [Parameter("Build every source but these: names or globs.")]
    string[] Except => this.Parameter<string[]>() ?? [];

    [Parameter("Set a definition variable: --var name=value (repeatable).")]
    string[] Var => this.Parameter<string[]>() ?? [];

    [Parameter("Read definition variables from a YAML file (repeatable).")]
    string[] VarFile => this.Parameter<string[]>() ?? [];

    [Parameter("Rebuild images even when they are up to date.")]
    bool Force => this.Parameter<bool>();

    [Parameter("Run every provisioning step and boot cold: neither resume from cached layers or saved machines nor keep new ones.")]
    bool NoCache => this.Parameter<bool>();

    [Parameter("Largest size of the provisioning layer cache (layers and saved machines), e.g. 20G; least recently used go first (default: no limit).")]
    string? CacheSize => this.Parameter<string>();

    [Parameter("For CleanImages: also drop the cached provisioning layers and saved machines (warm boots).")]
    bool CleanLayers => this.Parameter<bool>();

    [Parameter("What a failed build leaves: cleanup (default), abort (keep everything) or debug (keep the machine, wait for Enter).")]
    OnErrorMode OnError => this.Parameter<OnErrorMode?>() ?? OnErrorMode.Cleanup;

    [Parameter("How many image builds run at once (default: half the cores).")]
    int Parallel => this.Parameter<int?>() ?? BuildSessionOptions.DefaultParallelism;

    [Parameter("Where images and the manifest go (default: output/images).")]
    string Output => this.Parameter<string>() ?? Path.Combine("output", "images");

    [Parameter("Where image definitions are (default: templates/).")]
    string Templates => this.Parameter<string>() ?? "templates";

    /// <summary>
    /// Values the build hands to its definitions, such as the folder Compile wrote (<c>app_dir</c>). They arrive as
    /// <c>KILN_VAR_&lt;name&gt;</c>, so a definition that declares the variable gets them, one that does not is not
    /// bothered, and <c>--var</c> still wins.
    /// </summary>
    IReadOnlyDictionary<string, string> ImageVariables => new Dictionary<string, string>();

    /// <summary>
    /// Whether this run builds with its publish stage skipped (<c>BuildImages --skip PublishImages</c>, a CI image job):
    /// the secrets only publishers use are then neither needed nor, in generated CI, given.
    /// </summary>
    private bool BuildsWithoutPublishing => Session.IsScheduled(nameof(BootImages)) && !Session.IsScheduled(nameof(PublishImages));

    /// <summary>The values the image targets run with.</summary>
    ImageBuildSettings ImageSettings => new()
    {
        Templates = Templates,
        Images = Image,
        Only = Only,
        Except = Except,
        Vars = Var,
        VarFiles = VarFile,
        Force = Force,
        NoCache = NoCache,
        CacheSize = CacheSize is null ? null : ImageBuildSettings.ParseCacheSize(CacheSize),
        OnError = OnError,
        Parallel = Parallel,
        Output = Output,
        WorkingDirectory = Session.RootDirectory,
        Environment = ImageEnvironment.With(ImageVariables, BuildsWithoutPublishing
            ? SensitiveVariables.PublishOnly(Path.GetFullPath(Templates, Session.RootDirectory))
            : null),
        SkippedStages = new HashSet<Stage>(Enum.GetValues<Stage>().Where(stage => !Session.IsScheduled(stage + "Images"))),
    };

    Target ValidateImages => _ => _
        .Description("Checks every image definition and reports all problems with file:line:col.")
        .After<IKilnImages>(x => x.Compile) // files Compile writes (a folder a definition copies in) exist when they are checked
        .Executes(() =>
        {
            ImageInputs.CheckOptions(ImageSettings);
            var diagnostics = KilnImages.Validate(ImageSettings, Session.Warning);
            foreach (var diagnostic in diagnostics)
            {
                Session.Error(diagnostic.ToString());
            }

            if (diagnostics.Count > 0)
            {
                throw new KilnException($"{diagnostics.Count} problem(s) in the image definitions", "Fix them, then run ./build.sh ValidateImages again.");
            }

            Session.Info($"image definitions are valid ({KilnImages.Load(ImageSettings).Images.Count} checked)");
            if (Session.IsScheduled(nameof(BootImages)))
            {
                ImageInputs.CheckHost(ImageSettings);
            }
        });

    Target InspectImages => _ => _
        .Description("Prints what BuildImages would do: images, sources, steps, values (secrets masked), temporary resources.")
        .DependsOn<IKilnImages>(x => x.ValidateImages)
        .Executes(() => Session.Info(KilnImages.Inspect(ImageSettings)));

    Target BootImages => _ => _
        .Description("Starts every selected image build and waits until all have booted.")
        .DependsOn<IKilnImages>(x => x.Compile, x => x.ValidateImages)
        .Executes(async cancellationToken =>
        {
            var run = await ImageBuildRun.PrepareAsync(ImageSettings, cancellationToken);
            ImageRuns.Start(this, run, cancellationToken);
            Session.DescribeCleanupWith(() => run.CleaningUp);
            foreach (var build in run.Builds.Where(b => b.UpToDate))
            {
                Session.Info($"{build.Name} is up to date ({build.Fingerprint[..19]}…); --force rebuilds it");
            }

            await ImageRuns.WaitAsync(this, Stage.Boot, cancellationToken);
        });

    Target ProvisionImages => _ => _
        .Description("Waits until every build has run its provisioners.")
        .DependsOn<IKilnImages>(x => x.BootImages)
        .Executes(cancellationToken => ImageRuns.WaitAsync(this, Stage.Provision, cancellationToken));

    Target CaptureImages => _ => _
        .Description("Waits until every build has shut down and captured its image in every format.")
        .DependsOn<IKilnImages>(x => x.ProvisionImages)
        .Executes(cancellationToken => ImageRuns.WaitAsync(this, Stage.Capture, cancellationToken));

    Target VerifyImages => _ => _
        .Description("Waits until every captured image has been booted and smoke-tested.")
        .DependsOn<IKilnImages>(x => x.CaptureImages)
        .Executes(cancellationToken => ImageRuns.WaitAsync(this, Stage.Verify, cancellationToken));

    Target PublishImages => _ => _
        .Description("Waits until every build has run its publishers (manifest, checksums, boxes, releases).")
        .DependsOn<IKilnImages>(x => x.VerifyImages)
        .Executes(cancellationToken => ImageRuns.WaitAsync(this, Stage.Publish, cancellationToken));

    Target BuildImages => _ => _
        .Description("Compiles, then builds, verifies and publishes every image definition under templates/ (incremental).")
        .DependsOn<IKilnImages>(x => x.PublishImages)
        .Executes(cancellationToken => ImageRuns.FinishAsync(this, cancellationToken));

    Target SweepImages => _ => _
        .Description("Removes what killed or aborted runs left behind (VMs, containers, temp files from the ledger; cloud resources tagged by runs over a day old).")
        .Executes(async cancellationToken =>
        {
            var report = await KilnImages.SweepAsync(ImageSettings, new SessionLog(Session), cancellationToken: cancellationToken);
            Session.Info($"swept {report.Cleaned.Count} resource(s); {report.LiveRuns.Count} live run(s) left alone");
            if (!report.Complete)
            {
                throw new KilnException($"{report.Kept.Count} resource(s) could not be removed and stay in the ledger", "See the lines above; run SweepImages again once fixed.");
            }
        });

    [Parameter("For ImportPacker: the Packer template (.json, .pkr.hcl, or a folder of .pkr.hcl files).")]
    string? From => this.Parameter<string>();

    [Parameter("For ImportPacker: Packer variable files (*.pkrvars.hcl, or JSON for a JSON template), in order.")]
    string[] PackerVarFile => this.Parameter<string[]>() ?? [];

    Target ImportPacker => _ => _
        .Description("Translates a Packer template (--from) into definitions under templates/, reporting what it could not translate (--force overwrites).")
        .Requires(() => From)
        .Executes(() =>
        {
            var result = PackerImporter.Import(new PackerImportSettings
            {
                From = Path.GetFullPath(From!, Session.RootDirectory),
                VarFiles = [.. PackerVarFile.Select(f => Path.GetFullPath(f, Session.RootDirectory))],
                Templates = Path.GetFullPath(Templates, Session.RootDirectory),
                Force = Force,
            });
            foreach (var entry in result.Report)
            {
                Session.Warning(entry.ToString());
            }

            foreach (var path in result.Written)
            {
                Session.Info($"wrote {Path.GetRelativePath(Session.RootDirectory, path)}");
            }

            Session.Info($"{result.Report.Count} construct(s) not translated, listed above; ./build.sh ValidateImages checks the result");
        });

    Target CleanImages => _ => _
        .Description("Deletes the images output folder (the base image cache is kept; --clean-layers drops the provisioning layers and saved machines).")
        .Executes(() =>
        {
            if (CleanLayers)
            {
                Session.Info($"dropped {KilnImages.ClearLayers(ImageSettings)} cached provisioning layer(s) and saved machine(s)");
            }

            var output = Path.GetFullPath(Output, Session.RootDirectory);
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }

            Session.Info($"deleted {output}");
        });
}
