import { afterEach, describe, expect, it } from 'vitest';
import { tempApps } from '#testing';
import { analyzeSource } from './analyze.js';
import { DotnetDetector } from './dotnet.detector.js';

const { app, cleanup } = tempApps('servergem-dotnet-');
afterEach(cleanup);

const web = (tfm: string): string => `<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><TargetFramework>${tfm}</TargetFramework></PropertyGroup></Project>`;

describe(DotnetDetector.name, () => {
  it('expects port 80 before .NET 8', async () => {
    const sut = await analyzeSource(app({ 'Legacy.csproj': web('net6.0'), 'Program.cs': 'var app = WebApplication.Create(args);\napp.Run();\n' }));
    expect(sut).toMatchObject({ framework: 'aspnet-core', runtime: { version: '6.0' }, port: 80, commands: { start: 'dotnet out/Legacy.dll' } });
  });

  it('runs a console F# project without a port', async () => {
    const sut = await analyzeSource(
      app({
        'Worker.fsproj':
          '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>',
        'Program.fs': 'printfn "hi"\n',
      }),
    );
    expect(sut).toMatchObject({ language: 'dotnet', framework: null, port: null, commands: { start: 'dotnet out/Worker.dll' } });
  });

  it('publishes the web project named explicitly when several projects are present', async () => {
    const sut = await analyzeSource(app({ 'Api/Api.csproj': web('net8.0'), 'Admin/Admin.csproj': web('net8.0'), 'All.sln': '' }));
    expect(sut.commands.install).toEqual(['dotnet restore Api/Api.csproj']);
    expect(sut.warnings.join(' ')).toContain('Several projects');
  });
});
