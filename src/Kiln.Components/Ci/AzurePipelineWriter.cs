using System.Text;

namespace Kiln.Components.Ci;

/// <summary>
/// Writes <c>azure-pipelines.yml</c>, the same graph as the GitHub workflow: compile/test, matrix jobs per wave of
/// image builds that build, capture and verify and publish their output folder as a pipeline artifact (pull requests
/// stop after validation), then one job that downloads them all and runs the publishers over the verified outputs.
/// Secret variables are mapped into the script environment explicitly, as Azure requires; publish-only ones reach
/// the final job alone.
/// </summary>
public static class AzurePipelineWriter
{
    /// <summary>The first step of every job: the SDK that global.json names (Azure checks the repository out itself).</summary>
    private const string Toolchain = """
              - task: UseDotNet@2
                inputs:
                  useGlobalJson: true

        """;

    /// <summary>The NuGet cache of the jobs that restore packages, keyed by what decides the package set.</summary>
    private const string NuGetCache = """
              - task: Cache@2
                inputs:
                  key: 'nuget | "$(Agent.OS)" | Directory.Packages.props, global.json'
                  path: $(NUGET_PACKAGES)

        """;

    /// <summary>What the matrix entry's build runs on the host, as its plugins declare it (hosted agents have none of it).</summary>
    private const string InstallHostTools = """
              - script: sudo apt-get update && sudo apt-get install -y --no-install-recommends $(packages)
                displayName: Install host tools
                condition: and(succeeded(), ne(variables['packages'], ''))

        """;

    /// <summary>
    /// The udev rule GitHub documents for its runners, for Microsoft-hosted Ubuntu agents too: it opens /dev/kvm to the
    /// agent's user where the agent offers it; Kiln's accelerator probe still falls back to TCG where KVM does not work.
    /// </summary>
    private const string EnableKvm = """
              - script: |
                  if [ -e /dev/kvm ]; then
                    echo 'KERNEL=="kvm", GROUP="kvm", MODE="0666", OPTIONS+="static_node=kvm"' | sudo tee /etc/udev/rules.d/99-kvm4all.rules
                    sudo udevadm control --reload-rules
                    sudo udevadm trigger --name-match=kvm
                  fi
                displayName: Enable KVM where the agent offers it

        """;

    public static string Write(CiPlan plan, string regenerateCommand)
    {
        var y = new StringBuilder();
        y.Append(GeneratedHeader.For(regenerateCommand));
        y.Append($$"""
            trigger:
              branches:
                include: [main]
              tags:
                include: ['v*']

            pr:
              branches:
                include: ['*']

            pool:
              vmImage: ubuntu-latest

            variables:
              DOTNET_NOLOGO: 'true'
              DOTNET_CLI_TELEMETRY_OPTOUT: 'true'
              NUGET_PACKAGES: $(Pipeline.Workspace)/.nuget/packages
              KILN_CACHE: $(Pipeline.Workspace)/.cache/kiln

            jobs:
              - job: build
                displayName: Compile, test, validate
                steps:

            """);
        y.Append(Toolchain).Append(NuGetCache);
        y.Append($$"""
                  - script: {{plan.BuildScript}} Test ValidateImages --templates {{plan.Templates}}
                    displayName: Test and validate

            """);
        var previous = "build";
        var allJobs = new List<string> { "build" };
        foreach (var wave in plan.Waves)
        {
            y.Append($$"""
                  - job: {{wave.JobId}}
                    displayName: Images (wave {{wave.Number}})
                    dependsOn: [{{previous}}]
                    condition: and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))
                    strategy:
                      matrix:

                """);
            foreach (var build in wave.Builds)
            {
                y.Append($"        {MatrixKey(build)}: {{ image: {build.Image}, source: {build.Source}, packages: '{build.PackageList}' }}\n");
            }

            y.Append("    steps:\n").Append(Toolchain).Append(NuGetCache).Append(InstallHostTools);
            if (wave.Builds.Any(build => build.UsesQemu))
            {
                y.Append(EnableKvm);
            }

            y.Append($$"""
                      - task: Cache@2
                        inputs:
                          key: 'kiln | "$(Agent.OS)" | "$(image)-$(source)" | {{plan.Templates}}/**'
                          restoreKeys: 'kiln | "$(Agent.OS)" | "$(image)-$(source)"'
                          path: $(KILN_CACHE)

                """);
            if (wave.Number > 1)
            {
                y.Append(MergeDownloadedOutputs(plan.BuildScript, "Merge the outputs this wave depends on"));
            }

            y.Append($$"""
                      - script: {{plan.BuildScript}} BuildImages --skip PublishImages --templates {{plan.Templates}} --image $(image) --only $(source) --output output/images
                        displayName: Build, capture and verify $(image) / $(source)

                """);
            AppendSecrets(y, wave.Secrets, "        ");
            y.Append($$"""
                      - task: PublishPipelineArtifact@1
                        inputs:
                          targetPath: output/images
                          artifact: image-$(image)-$(source)

                """);
            previous = wave.JobId;
            allJobs.Add(wave.JobId);
        }

        y.Append($$"""
              - job: publish
                displayName: Verify and publish
                dependsOn: [{{string.Join(", ", allJobs)}}]
                condition: and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))
                steps:

            """);
        y.Append(Toolchain).Append(NuGetCache);
        if (plan.PublishPackages.Count > 0)
        {
            y.Append($"""
                      - script: sudo apt-get update && sudo apt-get install -y --no-install-recommends {plan.PublishPackageList}
                        displayName: Install the publishers' host tools

                """);
        }

        y.Append($"""
                  - task: DownloadPipelineArtifact@2
                    inputs:
                      itemPattern: 'image-*/**'
                      targetPath: output/ci-inputs
                  - script: {plan.BuildScript} PublishBuilt --templates {plan.Templates} --ci-inputs output/ci-inputs --output output/images
                    displayName: Verify the built outputs and publish them

            """);
        AppendSecrets(y, plan.AllSecrets, "        ");
        y.Append("""
                  - task: PublishPipelineArtifact@1
                    inputs:
                      targetPath: output/images
                      artifact: images

            """);
        return y.ToString();
    }

    /// <summary>Steps that fetch the outputs earlier image jobs published (one folder each) and merge them into the output this job builds on.</summary>
    private static string MergeDownloadedOutputs(string buildScript, string displayName) => $"""
              - task: DownloadPipelineArtifact@2
                inputs:
                  itemPattern: 'image-*/**'
                  targetPath: output/ci-inputs
              - script: {buildScript} MergeManifests --ci-inputs output/ci-inputs --output output/images
                displayName: {displayName}

        """;

    private static string MatrixKey(CiBuild build) => $"{build.Image}_{build.Source}".Replace('-', '_');

    private static void AppendSecrets(StringBuilder y, IReadOnlyList<CiSecret> secrets, string indent)
    {
        if (secrets.Count == 0)
        {
            return;
        }

        y.Append(indent).Append("env:\n");
        foreach (var secret in secrets)
        {
            y.Append(indent).Append($"  {secret.EnvironmentVariable}: $({secret.SecretName})\n");
        }
    }
}
