using Kiln.Engine;
using Kiln.Targets;

namespace Kiln.Components;

/// <summary>Engine log lines written through the build host (which redacts secret parameters).</summary>
internal sealed class SessionLog(BuildSession session) : IBuildLog
{
    public void Info(string message) => session.Info(message);

    public void Warn(string message) => session.Warning(message);

    public void Error(string message) => session.Error(message);

    public void Verbose(string message) => session.Debug(message);

    public void Output(string line, bool isError = false) => session.Info(line);
}
