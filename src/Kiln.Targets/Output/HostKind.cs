namespace Kiln.Targets;

/// <summary>Where the build runs, which decides how target blocks and the summary look.</summary>
public enum HostKind
{
    /// <summary>An interactive terminal: colours, rules and a drawn table.</summary>
    Terminal,

    /// <summary>Output redirected to a file or pipe: plain text.</summary>
    Plain,

    /// <summary>GitHub Actions: ::group:: blocks, error annotations, step summary.</summary>
    GitHubActions,

    /// <summary>Azure Pipelines: ##[group] blocks and logissue errors.</summary>
    AzurePipelines,
}
