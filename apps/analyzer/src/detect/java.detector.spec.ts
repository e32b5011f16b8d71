import { afterEach, describe, expect, it } from 'vitest';
import { tempApps } from '#testing';
import { analyzeSource } from './analyze.js';
import { JavaDetector } from './java.detector.js';

const { app, cleanup } = tempApps('servergem-java-');
afterEach(cleanup);

const springPom = (extra = ''): string =>
  `<project><parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId><version>3.3.0</version></parent>
<artifactId>shop</artifactId><version>1.0</version>${extra}</project>`;

describe(JavaDetector.name, () => {
  it('takes ${PORT} without a default as the env port on the framework default', async () => {
    const sut = await analyzeSource(
      app({ 'pom.xml': springPom(), 'src/main/resources/application.yml': 'server:\n  port: ${PORT}\n', 'system.properties': 'java.runtime.version=1.8\n' }),
    );
    expect(sut).toMatchObject({ port: 8080, portFromEnv: true, runtime: { version: '8' } });
  });

  it('points a Gradle Quarkus build at build/quarkus-app', async () => {
    const sut = await analyzeSource(
      app({ 'build.gradle': "plugins { id 'io.quarkus' }\njava { sourceCompatibility = JavaVersion.VERSION_21 }\n", gradlew: '#!/bin/sh\n' }),
    );
    expect(sut).toMatchObject({
      framework: 'quarkus',
      packageManager: 'gradle',
      runtime: { version: '21' },
      commands: { build: ['./gradlew clean build -x check -x test'], start: 'java $JAVA_OPTS -jar build/quarkus-app/quarkus-run.jar' },
    });
  });

  it('names the jar from finalName for a plain Maven app with a shaded jar', async () => {
    const sut = await analyzeSource(
      app({
        'pom.xml':
          '<project><artifactId>cli</artifactId><version>2</version><build><finalName>tool</finalName><plugins><plugin><artifactId>maven-shade-plugin</artifactId></plugin></plugins></build></project>',
      }),
    );
    expect(sut).toMatchObject({ framework: null, port: null, commands: { start: 'java $JAVA_OPTS -jar target/tool.jar' } });
  });
});
