using Kiln.Engine;
using Kiln.Model;
using Kiln.Secrets;

namespace Kiln.Consoles;

/// <summary>Where a session's builds write: a live view on a terminal, plain prefixed lines on CI.</summary>
public interface IBuildConsole
{
    /// <summary>The log of one build: lines carry its name and pass through <paramref name="redactor"/>.</summary>
    IBuildLog CreateLog(string buildName, IRedactor redactor);

    IProgressSink CreateProgress(string buildName, IRedactor redactor);

    /// <summary>A build changed status or entered a stage.</summary>
    void BuildChanged(string buildName, BuildStatus status, Stage? stage);

    /// <summary>A line about the session itself (not one build), already redacted.</summary>
    void SessionLine(string line);

    /// <summary>The end of the session: one line per build, its status and time.</summary>
    void Summary(IReadOnlyList<BuildResult> results);
}
