namespace Kiln.Targets;

/// <summary>
/// The raw values of every declared parameter, from the command line first, then KILN_-prefixed variables, then
/// plain variables (names compared case-, dash- and underscore-insensitively, as Nuke does).
/// </summary>
internal sealed class ParameterSet
{
    private readonly Dictionary<string, (ParameterDescriptor Parameter, IReadOnlyList<string> Values)> _given = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ParameterDescriptor> _declared = new(StringComparer.Ordinal);

    public ParameterSet(IReadOnlyList<ParameterDescriptor> parameters, CommandLine commandLine, HostEnvironment environment, SecretRedactor redactor)
    {
        Parameters = parameters;
        foreach (var parameter in parameters)
        {
            _declared[parameter.Key] = parameter;
        }

        foreach (var option in commandLine.Options)
        {
            if (BuiltInOptions.IsReserved(option.Key))
            {
                continue;
            }

            if (!_declared.TryGetValue(option.Key, out var parameter))
            {
                var closest = Names.Closest(option.Name, parameters.Select(p => p.OptionName[2..]).Concat(BuiltInOptions.Descriptions.Select(d => d.Usage.Split(' ')[0][2..])));
                throw new UsageException(
                    $"Unknown option '--{option.Name}'.",
                    closest is null ? "Run with --help to see the parameters." : $"Did you mean '--{closest}'? Run with --help to see the parameters.");
            }
            _given[parameter.Key] = (parameter, option.Values);
        }

        var prefixed = new Dictionary<string, string>(StringComparer.Ordinal);
        var plain = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in environment.Variables)
        {
            if (value.Length == 0)
            {
                continue;
            }

            var key = Names.Normalize(name);
            if (name.StartsWith("KILN_", StringComparison.OrdinalIgnoreCase))
            {
                prefixed[key["kiln".Length..]] = value;
            }
            else
            {
                plain.TryAdd(key, value);
            }
        }
        foreach (var parameter in parameters)
        {
            if (_given.ContainsKey(parameter.Key))
            {
                continue;
            }

            if (prefixed.TryGetValue(parameter.Key, out var value) || plain.TryGetValue(parameter.Key, out value))
            {
                IReadOnlyList<string> values = ValueConverter.IsList(parameter.ValueType)
                    ? value.Split(parameter.Separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    : [value];
                _given[parameter.Key] = (parameter, values);
            }
        }

        foreach (var (parameter, values) in _given.Values)
        {
            if (parameter.IsSecret)
            {
                foreach (var value in values)
                {
                    redactor.Add(value);
                }
            }
        }
    }

    public IReadOnlyList<ParameterDescriptor> Parameters { get; }

    public bool IsGiven(string memberName) => _given.ContainsKey(Names.Normalize(memberName));

    public ParameterDescriptor? Find(string memberName) => _declared.GetValueOrDefault(Names.Normalize(memberName));

    /// <summary>Converts every given value now, so a bad value is a usage error before anything runs.</summary>
    public void AssignTo(object build)
    {
        foreach (var (parameter, values) in _given.Values)
        {
            var value = ValueConverter.Convert(parameter.ValueType, values, parameter.OptionName, parameter.IsSecret);
            if (parameter.IsAssignable)
            {
                parameter.Assign(build, value);
            }
        }
    }

    public T? Get<T>(string memberName)
    {
        var key = Names.Normalize(memberName);
        if (!_given.TryGetValue(key, out var entry))
        {
            return default;
        }

        return (T?)ValueConverter.Convert(typeof(T), entry.Values, entry.Parameter.OptionName, entry.Parameter.IsSecret);
    }
}
